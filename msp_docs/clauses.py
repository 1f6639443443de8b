"""The clause library: Markdown files with YAML front matter, rendered in a Jinja sandbox.

Each file in ``msp_docs/data/clauses/`` is one clause: front matter says what it is, which documents
and contracted services it belongs to, an optional condition on the profile, and which statutory
paragraphs and themes it covers; the body is a Jinja template written in the light markup of
:mod:`msp_docs.markup`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from msp_docs import markup
from msp_docs.errors import CatalogueError, OptionError, TemplateError

DOCUMENT_KINDS = ("policy", "procedure", "contract", "self-assessment", "leaflet")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,27}$")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_FIELDS = {"id", "title", "documents", "services", "order", "condition", "covers", "heading", "note"}

# Literal values emitted by the template currently rendering (see _finalize).
_LITERALS: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("msp_literals", default=None)


@dataclass(frozen=True)
class Clause:
    """One clause of the library, as read from its file (the body is not yet rendered)."""

    id: str
    title: str
    documents: tuple[str, ...]
    services: tuple[str, ...]
    order: int
    condition: str | None
    paragraphs: tuple[str, ...]
    themes: tuple[str, ...]
    heading: bool
    body: str
    file: str
    body_line: int
    note: str | None = None

    @property
    def covers(self) -> tuple[str, ...]:
        """Every requirement id the clause covers: paragraphs, then themes."""
        return self.paragraphs + self.themes

    def applies_to(self, document: str, service: str | None = None) -> bool:
        """Whether the clause belongs in ``document`` (and, for contracts, ``service``)."""
        if document not in self.documents:
            return False
        if document == "contract" and self.services:
            return service in self.services
        return True

    def to_json(self) -> dict:
        """Plain data for ``msp-docs clauses --format json``."""
        return {
            "id": self.id,
            "title": self.title,
            "documents": list(self.documents),
            "services": list(self.services),
            "order": self.order,
            "condition": self.condition,
            "covers": list(self.covers),
            "paragraphs": list(self.paragraphs),
            "themes": list(self.themes),
            "file": Path(self.file).name,
        }


@dataclass(frozen=True)
class RenderedClause:
    """A clause rendered for one profile: its blocks and its plain text."""

    clause: Clause
    blocks: tuple[markup.Block, ...]


@dataclass(frozen=True)
class ClauseLibrary:
    """All clauses, by id, in file-name order."""

    clauses: Mapping[str, Clause]
    folder: str
    #: For the shipped library: the key of its files in the user's cache (see ``_shipped_templates``).
    digest: str | None = None

    def get(self, clause_id: str) -> Clause:
        """The clause with this id; OptionError with a suggestion if there is none."""
        try:
            return self.clauses[clause_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(clause_id, list(self.clauses), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; list them with `msp-docs clauses`"
            raise OptionError(f"there is no clause '{clause_id}'{hint}") from None

    def for_document(self, document: str, service: str | None = None) -> list[Clause]:
        """The clauses of a document kind (and service), in document order."""
        if document not in DOCUMENT_KINDS:
            raise OptionError(f"unknown document kind '{document}'; use one of: {', '.join(DOCUMENT_KINDS)}")
        chosen = [c for c in self.clauses.values() if c.applies_to(document, service)]
        return sorted(chosen, key=lambda c: (c.order, c.id))


def default_folder() -> Path:
    """The folder of the shipped clause library."""
    return Path(str(resources.files("msp_docs").joinpath("data", "clauses")))


@lru_cache(maxsize=8)
def load_library(folder: str | None = None) -> ClauseLibrary:
    """Read every clause file in ``folder`` (default: the shipped library); CatalogueError lists all problems."""
    root = Path(folder) if folder else default_folder()
    if not folder:
        shipped = _shipped_library(root)
        if shipped is not None:
            return shipped
    problems: list[str] = []
    clauses: dict[str, Clause] = {}
    for path in sorted(root.glob("*.md")):
        try:
            clause = _read_clause(path)
        except CatalogueError as err:
            problems.append(str(err))
            continue
        if clause.id in clauses:
            problems.append(f"{path}: clause id '{clause.id}' is used twice")
        clauses[clause.id] = clause
    if problems:
        raise CatalogueError("the clause library has problems:\n" + "\n".join(f"  {p}" for p in problems))
    return ClauseLibrary(clauses=clauses, folder=str(root))


def _shipped_library(root: Path) -> ClauseLibrary | None:
    """The shipped library from the user's cache (parsed once per version of its files), or read and cached now."""
    from msp_docs import cache

    try:
        texts = {path.name: path.read_text(encoding="utf-8") for path in sorted(root.glob("*.md"))}
    except (OSError, UnicodeDecodeError):
        return None  # read them one by one, for a message naming the file
    key = cache.files_digest("clauses", texts, str(root))
    records = cache.read_data("clauses", key)
    if isinstance(records, list):
        try:
            clauses = {r["id"]: _clause_from_record(r) for r in records}
            return ClauseLibrary(clauses=clauses, folder=str(root), digest=key)
        except (KeyError, TypeError, ValueError):
            pass  # an entry of another shape: read the files again
    library = load_library(str(root))
    cache.write_data("clauses", key, [_clause_record(c) for c in library.clauses.values()])
    return ClauseLibrary(clauses=library.clauses, folder=library.folder, digest=key)


_TUPLES = ("documents", "services", "paragraphs", "themes")


def _clause_record(clause: Clause) -> dict:
    import dataclasses

    return {k: list(v) if k in _TUPLES else v for k, v in dataclasses.asdict(clause).items()}


def _clause_from_record(record: dict) -> Clause:
    return Clause(**{k: tuple(v) if k in _TUPLES else v for k, v in record.items()})


def _read_clause(path: Path) -> Clause:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    match = _FRONT.match(text)
    if not match:
        raise CatalogueError(f"{path}: a clause file must start with YAML front matter between '---' lines")
    try:
        meta = YAML(typ="safe").load(match.group(1)) or {}
    except YAMLError as err:
        raise CatalogueError(f"{path}: the front matter is not valid YAML: {err}") from None
    unknown = set(meta) - _FIELDS
    if unknown:
        raise CatalogueError(f"{path}: unknown front-matter field(s): {', '.join(sorted(unknown))}")
    for required in ("id", "title", "documents", "order", "covers"):
        if required not in meta:
            raise CatalogueError(f"{path}: front matter needs '{required}'")
    cid = str(meta["id"])
    if not _ID.match(cid):
        raise CatalogueError(f"{path}: id '{cid}' must be lower-case letters, digits and hyphens, at most 28 characters")
    if path.stem != cid:
        raise CatalogueError(f"{path}: the file name must be the clause id ({cid}.md)")
    documents = tuple(meta["documents"] or ())
    bad = [d for d in documents if d not in DOCUMENT_KINDS]
    if bad or not documents:
        raise CatalogueError(f"{path}: documents must be a non-empty list of {', '.join(DOCUMENT_KINDS)}")
    services = tuple(str(s) for s in (meta.get("services") or ()))
    if services and documents != ("contract",):
        raise CatalogueError(f"{path}: only contract clauses may name services")
    covers = meta["covers"] or {}
    if set(covers) - {"paragraphs", "themes"}:
        raise CatalogueError(f"{path}: covers may only hold 'paragraphs' and 'themes'")
    paragraphs = tuple(str(p) for p in covers.get("paragraphs") or ())
    themes = tuple(str(t) for t in covers.get("themes") or ())
    body = text[match.end():]
    if markup.TOKEN_OPEN in body or markup.TOKEN_CLOSE in body:
        raise CatalogueError(f"{path}: the body contains a reserved private-use character")
    return Clause(
        id=cid,
        title=str(meta["title"]),
        documents=documents,
        services=services,
        order=int(meta["order"]),
        condition=meta.get("condition"),
        paragraphs=paragraphs,
        themes=themes,
        heading=bool(meta.get("heading", True)),
        body=body,
        file=str(path),
        body_line=text[: match.end()].count("\n") + 1,
        note=meta.get("note"),
    )


# --------------------------------------------------------------------------- Jinja sandbox

def _finalize(value: Any) -> Any:
    """Replace every printed value by a token, so profile text is never read as markup."""
    store = _LITERALS.get()
    if store is None:
        return value
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, dt.date):
        text = ukdate(value)
    else:
        text = str(value)
    store.append(text)
    return f"{markup.TOKEN_OPEN}{len(store) - 1}{markup.TOKEN_CLOSE}"


def ukdate(value: Any) -> str:
    """Format a date the UK way: 1 April 2026."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return f"{value.day} {value.strftime('%B %Y')}"


def join_and(values: Any, conjunction: str = "and") -> str:
    """Join words as in prose: 'a, b and c'."""
    items = [str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 month', '24 months'."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def _undefined_class():
    from jinja2 import StrictUndefined

    class ProfileUndefined(StrictUndefined):
        """StrictUndefined whose message names the full profile field, e.g. 'people.lead.email'."""

        def _fail_with_undefined_error(self, *args, **kwargs):
            from jinja2.exceptions import SecurityError, UndefinedError

            if self._undefined_exception is SecurityError:
                # The sandbox refused an attribute: say so, do not blame the profile.
                raise SecurityError(self._undefined_hint or f"'{self._undefined_name}' is not allowed")
            if str(self._undefined_name or "").startswith("_"):
                # No profile field starts with '_': this is a reach for Python's internals.
                raise SecurityError(f"names starting with '_' ({self._undefined_name}) are not available to templates")
            owner = self._undefined_obj
            name = self._undefined_name
            path = getattr(owner, "field_path", None)
            if path is not None and name is not None:
                raise UndefinedError(f"'{path}.{name}' is not in the profile" if path else f"'{name}' is not in the profile")
            if name is not None and owner is not None and not isinstance(owner, type):
                raise UndefinedError(f"'{name}' is not available here")
            raise UndefinedError(f"'{name}' is not defined")

        # StrictUndefined binds these to the base method, so bind them to ours again.
        __iter__ = __str__ = __len__ = _fail_with_undefined_error
        __eq__ = __ne__ = __bool__ = __hash__ = __contains__ = _fail_with_undefined_error
        __add__ = __radd__ = __mul__ = __rmul__ = __call__ = __getitem__ = _fail_with_undefined_error

    return ProfileUndefined


def _plain(obj: Any) -> bool:
    """Values a template may look inside: profile data, text, numbers, dates, catalogue records."""
    import dataclasses

    if isinstance(obj, (Mapping, str, int, float, tuple, list, dt.date)):
        return True
    module = type(obj).__module__
    if module.startswith("jinja2."):
        return True  # Jinja's own loop, namespace and cycler objects
    return dataclasses.is_dataclass(obj) and module.startswith("msp_docs.")


@lru_cache(maxsize=1)
def sandbox_class():
    """Jinja's immutable sandbox, which also keeps templates out of any object that is not plain data.

    The stock sandbox hides names starting with '_' but lets a template read the public
    attributes of whatever is in the context; a docxtpl InlineImage's ``.tpl`` is the whole
    document object, whose ``save`` writes anywhere. Here only plain data can be looked into.
    """
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class MspSandbox(ImmutableSandboxedEnvironment):
        def is_safe_attribute(self, obj, attr, value) -> bool:
            return _plain(obj) and super().is_safe_attribute(obj, attr, value)

    return MspSandbox


@lru_cache(maxsize=1)
def sandbox():
    """The sandboxed Jinja environment every clause body and condition is rendered in."""
    # Clause output is not HTML: escaping is done by the token mechanism in _finalize instead.
    env = sandbox_class()(
        undefined=_undefined_class(),
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["ukdate"] = ukdate
    env.filters["join_and"] = join_and
    env.globals["plural"] = plural
    return env


@lru_cache(maxsize=512)
def _compiled(clause: Clause):
    from jinja2 import TemplateSyntaxError

    env = sandbox()
    code = _shipped_templates().get(clause.id)
    if code is not None and load_library().clauses.get(clause.id) == clause:
        return env.template_class.from_code(env, code, env.make_globals(None), None)
    try:
        return env.from_string(clause.body)
    except TemplateSyntaxError as err:
        raise CatalogueError(f"{clause.file}:{clause.body_line + (err.lineno or 1) - 1}: template syntax error: {err.message}") from None


@lru_cache(maxsize=1)
def _shipped_templates() -> dict[str, Any]:
    """Every shipped clause body compiled by the sandbox (Python code objects), by clause id.

    Jinja turns a template into Python source and Python compiles that: about 0.4 s for the whole
    library on every run. The code objects are kept in the user's cache (``msp_docs.cache``:
    marshal, read only from a folder and file the user alone owns), keyed by the clause files,
    Jinja's version and this module's source, which fixes the sandbox's settings. The templates
    made from them are the sandbox's own: attribute access, calls and operators still go through
    the sandboxed environment at run time.
    """
    import jinja2

    from msp_docs import cache

    library = load_library()
    if library.digest is None:
        return {}
    try:
        own_source = Path(__file__).read_bytes()
    except OSError:
        return {}
    key = cache.digest("clause-templates", library.digest, jinja2.__version__, own_source)
    codes = cache.read_code("clause-templates", key)
    if isinstance(codes, dict) and set(codes) == set(library.clauses):
        return codes
    try:
        codes = {cid: sandbox().compile(clause.body) for cid, clause in library.clauses.items()}
    except jinja2.TemplateSyntaxError:
        return {}  # each clause is compiled on its own, and the broken one reported
    cache.write_code("clause-templates", key, codes)
    return codes


@lru_cache(maxsize=512)
def _compiled_condition(clause: Clause):
    from jinja2 import TemplateSyntaxError

    try:
        return sandbox().compile_expression(clause.condition, undefined_to_none=False)
    except TemplateSyntaxError as err:
        raise CatalogueError(f"{clause.file}: condition '{clause.condition}' is not a valid expression: {err.message}") from None


def condition_holds(clause: Clause, context: Mapping[str, Any]) -> bool:
    """Evaluate the clause's condition against the context (True when it has none)."""
    if not clause.condition:
        return True
    from jinja2.exceptions import SecurityError, UndefinedError

    try:
        token = _LITERALS.set(None)
        try:
            return bool(_compiled_condition(clause)(**context))
        finally:
            _LITERALS.reset(token)
    except (UndefinedError, SecurityError) as err:
        raise CatalogueError(f"{clause.file}: condition '{clause.condition}': {err}") from None


def render_clause(clause: Clause, context: Mapping[str, Any]) -> RenderedClause:
    """Render a clause body with the context and parse it into blocks."""
    from jinja2.exceptions import SecurityError, TemplateRuntimeError, UndefinedError

    template = _compiled(clause)
    literals: list[str] = []
    token = _LITERALS.set(literals)
    try:
        text = template.render(**context)
    except UndefinedError as err:
        raise TemplateError(f"clause '{clause.id}' ({Path(clause.file).name}) uses {err}; the profile does not provide it") from None
    except (SecurityError, TemplateRuntimeError, TypeError, ValueError) as err:
        raise TemplateError(f"clause '{clause.id}' ({Path(clause.file).name}) could not be rendered: {err}") from None
    finally:
        _LITERALS.reset(token)
    try:
        blocks = markup.parse(text, literals)
    except markup.MarkupError as err:
        raise CatalogueError(f"{clause.file}: rendered body line {err.line}: {err}") from None
    return RenderedClause(clause=clause, blocks=tuple(blocks))


def blocks_text(blocks) -> list[str]:
    """The plain text of each block, one string per paragraph (table cells separated by tabs)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, markup.Table):
            for row in (block.header, *block.rows):
                out.append("\t".join(markup.plain_text(c.runs) for c in row))
        else:
            out.append(markup.plain_text(block.runs))
    return out
