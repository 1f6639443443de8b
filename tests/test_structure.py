"""The shape of the package: imports run one way, the web layer sits on top, the small rooms stay small.

The imports are read from the source with ``ast``, not by importing it, so an import inside a
function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "msp_docs"
# A newcomer reads one of these rooms whole to change one thing in it. The issue's guide is "a few
# hundred lines, not a thousand"; 400 is about what one can read carefully in a sitting. The
# older stage modules (cli, check, profile, ...) are not held to it here.
SMALL_ROOMS = (f"{PACKAGE}._ooxml", f"{PACKAGE}.catalogue")
MAX_ROOM_LINES = 400


@dataclass(frozen=True)
class Import:
    """One import statement: the module it sits in, what it imports, its line, and whether it runs inside a function."""

    importer: str
    module: str | None  # the absolute module of `from module import ...`; None for `import a.b`
    names: tuple[str, ...]  # the dotted names of `import a.b`, or the names after `from module import`
    line: int
    in_function: bool

    def dotted(self) -> tuple[str, ...]:
        """Every dotted name the statement may load."""
        if self.module is None:
            return self.names
        return (self.module,) + tuple(f"{self.module}.{name}" for name in self.names)


def module_files(root: Path, package: str = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every module of ``package`` under ``root``."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imports_of(importer: str, path: Path) -> list[Import]:
    """Every import in a module, at module level or inside functions and classes, with absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    in_functions: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_functions.update(id(inner) for inner in ast.walk(node) if inner is not node)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.append(Import(importer, None, tuple(alias.name for alias in node.names), node.lineno, id(node) in in_functions))
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(importer, path.name == "__init__.py", node.module, node.level)
            names = tuple(alias.name for alias in node.names if alias.name != "*")
            out.append(Import(importer, module, names, node.lineno, id(node) in in_functions))
    return out


def _absolute(importer: str, is_package: bool, module: str | None, level: int) -> str:
    """The absolute name of a ``from`` import's module, resolving leading dots against the importer."""
    if level == 0:
        return module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _nearest(dotted: str, modules) -> str | None:
    """The module a dotted name is, or the nearest module it is an attribute of."""
    parts = dotted.split(".")
    while parts and ".".join(parts) not in modules:
        parts.pop()
    return ".".join(parts) or None


def targets(statement: Import, modules) -> set[str]:
    """The package's modules one import statement makes its module depend on.

    ``from p import x`` depends on ``p.x`` when that is a module, else on ``p``. Loading ``p.x`` from
    outside ``p`` also runs ``p/__init__``, so it depends on ``p`` as well; from inside ``p`` it does
    not, because ``p`` is already being imported when its submodules run. So a package's
    ``__init__`` may re-export its own submodules, and a submodule importing ``p.other`` depends on
    ``other``, not on the package.
    """
    loaded: set[str] = set()
    if statement.module is None:
        loaded.update(_nearest(dotted, modules) for dotted in statement.names)
    else:
        for name in statement.names:
            submodule = f"{statement.module}.{name}"
            # A name that is not a submodule is taken from the module itself.
            loaded.add(submodule if submodule in modules else _nearest(statement.module, modules))
    loaded.discard(None)
    out = set()
    for module in loaded:
        out.add(module)
        parts = module.split(".")[:-1]
        while parts:
            parent = ".".join(parts)
            if parent in modules and not _inside(statement.importer, parent):
                out.add(parent)
            parts.pop()
    out.discard(statement.importer)
    return out


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, function-level imports included."""
    return {
        importer: set().union(*(targets(statement, modules) for statement in imports_of(importer, path)))
        for importer, path in modules.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in ``graph`` as a path that ends where it starts (``[a, b, a]``), or None."""
    state: dict[str, str] = {}  # "open" while on the current path, then "done"
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for following in sorted(graph.get(node, ())):
            if state.get(following) == "open":
                return path[path.index(following):] + [following]
            if following not in state:
                found = visit(following)
                if found:
                    return found
        path.pop()
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def web_imports_outside(modules: dict[str, Path], package: str = PACKAGE) -> list[str]:
    """Imports of the web layer from outside it, as 'module:line'.

    cli is a face of the library, like the web layer: it may start the web application, but only
    from inside a command, so ``msp-docs --help`` never loads it.
    """
    web, cli = f"{package}.web", f"{package}.cli"
    out = []
    for importer, path in modules.items():
        if _inside(importer, web):
            continue
        for statement in imports_of(importer, path):
            if any(_inside(name, web) for name in statement.dotted()):
                if importer == cli and statement.in_function:
                    continue
                out.append(f"{importer}:{statement.line}")
    return sorted(out)


# --------------------------------------------------------------------------- the package itself


def test_no_import_cycle_among_msp_docs_modules():
    modules = module_files(ROOT)
    assert f"{PACKAGE}.check" in modules and f"{PACKAGE}._ooxml" in modules, "the walk found the package's modules"
    cycle = find_cycle(import_graph(modules))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_raw_ooxml_layer_imports_nothing_above_it():
    modules = module_files(ROOT)
    graph = import_graph(modules)
    ooxml = f"{PACKAGE}._ooxml"
    allowed = {f"{PACKAGE}.errors", f"{PACKAGE}.passage"}
    reach = {t for name, deps in graph.items() if _inside(name, ooxml) for t in deps if not _inside(t, ooxml)}
    assert reach <= allowed, f"the OOXML layer imports {sorted(reach - allowed)}"


def test_library_never_imports_the_web_layer():
    assert web_imports_outside(module_files(ROOT)) == []


def test_ooxml_and_catalogue_rooms_stay_small():
    modules = module_files(ROOT)
    rooms = {name: path for name, path in modules.items() if any(_inside(name, room) for room in SMALL_ROOMS)}
    assert f"{PACKAGE}.catalogue.crosscheck" in rooms and f"{PACKAGE}._ooxml.package" in rooms, "the rooms were found"
    lines = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in rooms.items()}
    large = {name: count for name, count in lines.items() if count > MAX_ROOM_LINES}
    assert large == {}, f"over {MAX_ROOM_LINES} lines, split by concern: {large}"


# --------------------------------------------------------------------------- the walk can fail


def test_find_cycle_names_a_synthetic_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def _write(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return module_files(root, "pkg")


def test_graph_sees_every_kind_of_import(tmp_path):
    modules = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/low.py": "def f():\n    from pkg import high\n",  # function-level, naming a submodule
        "pkg/high.py": "import pkg.low\nfrom . import sub\nfrom .sub.deep import thing\n",
        "pkg/sub/__init__.py": "from .deep import thing\nfrom pkg.sub import other\n",
        "pkg/sub/deep.py": "from .. import low\n",
        "pkg/sub/other.py": "from pkg.sub.deep import thing\n",
    })
    graph = import_graph(modules)
    assert graph["pkg.low"] == {"pkg.high"}
    assert graph["pkg.high"] == {"pkg.low", "pkg.sub", "pkg.sub.deep"}
    # A package re-exporting its submodules, and submodules importing siblings by full name, is no cycle.
    assert graph["pkg.sub"] == {"pkg.sub.deep", "pkg.sub.other"}
    assert graph["pkg.sub.other"] == {"pkg.sub.deep"}
    assert graph["pkg.sub.deep"] == {"pkg.low"}
    assert find_cycle(graph) == ["pkg.high", "pkg.low", "pkg.high"]


def test_a_submodule_taking_a_name_from_its_own_package_is_a_cycle(tmp_path):
    modules = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "from pkg.sub.deep import thing\n",
        "pkg/sub/deep.py": "from pkg.sub import other_thing\nthing = 1\n",
    })
    assert find_cycle(import_graph(modules)) == ["pkg.sub", "pkg.sub.deep", "pkg.sub"]


def test_web_rule_allows_only_a_lazy_import_from_cli(tmp_path):
    modules = _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/web/__init__.py": "from pkg import render\n",
        "pkg/web/app.py": "import pkg.render\n",
        "pkg/cli.py": "def serve():\n    from pkg.web.app import run\n",
        "pkg/render.py": "from pkg import web\n",
        "pkg/check.py": "def f():\n    import pkg.web.app\n",
    })
    assert web_imports_outside(modules, "pkg") == ["pkg.check:2", "pkg.render:1"]
    (tmp_path / "pkg/cli.py").write_text("from pkg.web import app\n", encoding="utf-8")
    assert web_imports_outside(modules, "pkg") == ["pkg.check:2", "pkg.cli:1", "pkg.render:1"]
