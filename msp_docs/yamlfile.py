"""Read a YAML file safely into plain data, keeping the line of every key and list item; write one back.

Profiles are typed by hand, so this module guards the door: size limits, UTF-8 only, no
duplicate keys, no alias bombs, no deep nesting. Plain scalars stay text (``04827`` keeps its
leading zero, ``3.10`` stays ``3.10``); the schema decides what is a number or a date.
:func:`dumps` writes plain data so that any YAML reader, this one included, reads back exactly
the text that was given.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msp_docs.errors import Problem

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 40

Path_ = tuple  # a field path such as ("people", "operational_lead", "email") or ("areas", 0)


@dataclass(frozen=True)
class YamlDocument:
    """Plain data read from a YAML file, with the 1-based line of each field path."""

    data: Any
    lines: dict[tuple, int]
    file: str

    def line_of(self, path: tuple) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)


class YamlReadError(Exception):
    """Raised when a YAML file cannot be read; carries one :class:`Problem`."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _yaml():
    """A round-trip loader whose plain scalars stay strings, except booleans and null."""
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    bool_tag = Tag(suffix="tag:yaml.org,2002:bool")
    null_tag = Tag(suffix="tag:yaml.org,2002:null")

    class TextResolver(VersionedResolver):
        """Resolve plain scalars to text so nothing typed is reinterpreted as a number or date."""

        def resolve(self, kind, value, implicit):  # noqa: D401 - ruamel API
            if kind is ScalarNode and implicit[0]:
                if value in ("true", "True", "TRUE", "false", "False", "FALSE"):
                    return bool_tag
                if value in ("", "~", "null", "Null", "NULL"):
                    return null_tag
                return self.DEFAULT_SCALAR_TAG
            return super().resolve(kind, value, implicit)

    yaml = YAML(typ="rt")
    yaml.Resolver = TextResolver
    yaml.allow_duplicate_keys = False
    return yaml


def read_text(path: str | os.PathLike, *, what: str = "file", max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 text file with clear errors for folders, missing files, size and encoding."""
    name = str(path)
    p = Path(path)
    if p.is_dir():
        raise YamlReadError(Problem(name, None, None, f"is a folder, not a {what}; give the path of a .yaml file"))
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise YamlReadError(Problem(name, None, None, f"no such {what}; check the path")) from None
    except OSError as err:
        raise YamlReadError(Problem(name, None, None, f"cannot be read: {err.strerror}")) from None
    if size > max_bytes:
        raise YamlReadError(
            Problem(name, None, None, f"is {size:,} bytes; a {what} may be at most {max_bytes:,} bytes")
        )
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise YamlReadError(Problem(name, None, None, f"cannot be read: {err.strerror}")) from None
    return decode(raw, file=name, what=what, max_bytes=max_bytes)


def decode(raw: bytes, *, file: str = "<string>", what: str = "file", max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a file's bytes (a BOM is dropped), with clear errors for size and encoding."""
    name = file
    if len(raw) > max_bytes:
        raise YamlReadError(Problem(name, None, None, f"is {len(raw):,} bytes; a {what} may be at most {max_bytes:,} bytes"))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlReadError(Problem(name, 1, None, "is saved as UTF-16; save it as UTF-8 and try again"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise YamlReadError(
            Problem(name, line, None, f"is not UTF-8 text (byte 0x{raw[err.start]:02x}); save it as UTF-8 and try again")
        ) from None


def dumps(data: Any, *, header: str = "") -> str:
    """YAML text for plain data (dicts, lists, text, booleans, whole numbers, dates).

    Text is quoted whenever a YAML 1.1 or 1.2 reader could take it for something else (``04827``,
    ``yes``, ``2026-04-01``, ``null``, ``: ``), text with line breaks is written as a ``|`` block,
    and every other character, accents and emoji included, is written as it is. ``header`` is
    written first as comment lines.
    """
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.Representer = _text_representer()
    yaml.allow_unicode = True
    yaml.width = 4096  # never fold a long line: folding would change nothing, but reads badly
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    lines = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return lines + buffer.getvalue()


# Plain words a YAML 1.1 reader takes for booleans or sexagesimal numbers; YAML 1.2 readers
# (ruamel's default) would write them unquoted.
_YAML11_SPECIAL = re.compile(
    r"(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)"
)


def _text_representer():
    """ruamel's round-trip representer with :func:`_represent_text` for text (a subclass: ruamel's own stays as it is)."""
    from ruamel.yaml.representer import RoundTripRepresenter

    class TextRepresenter(RoundTripRepresenter):
        pass

    TextRepresenter.add_representer(str, _represent_text)
    return TextRepresenter


def _represent_text(representer, value: str):
    if "\n" in value:
        style = "|"  # the emitter falls back to a quoted string when a block cannot hold the text
    elif _YAML11_SPECIAL.fullmatch(value):
        style = "'"
    else:
        style = None
    return representer.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def load(path: str | os.PathLike, *, what: str = "file") -> YamlDocument:
    """Load a YAML file into plain dicts, lists and strings with a line for each field path."""
    text = read_text(path, what=what)
    return loads(text, file=str(path), what=what)


def loads(text: str, *, file: str = "<string>", what: str = "file") -> YamlDocument:
    """Load YAML text; see :func:`load`."""
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise YamlReadError(Problem(file, None, None, f"is empty; a {what} needs content (try `msp-docs init`)"))
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    _refuse_control_characters(text, file)
    _refuse_deep_nesting(text, file)
    try:
        docs = list(_yaml().load_all(io.StringIO(text)))
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        message = _describe_yaml_error(err)
        raise YamlReadError(Problem(file, line, None, message)) from None
    except YAMLError as err:
        raise YamlReadError(Problem(file, None, None, f"is not valid YAML: {err}")) from None
    except RecursionError:
        raise YamlReadError(Problem(file, None, None, f"is nested too deeply (more than {MAX_DEPTH} levels)")) from None
    docs = [d for d in docs if d is not None]
    if not docs:
        raise YamlReadError(Problem(file, None, None, f"is empty; a {what} needs content (try `msp-docs init`)"))
    if len(docs) > 1:
        raise YamlReadError(Problem(file, None, None, "holds more than one YAML document (a '---' line); keep one profile per file"))
    lines: dict[tuple, int] = {(): 1}
    counter = [0]
    try:
        data = _plain(docs[0], (), lines, counter, file, 0)
    except RecursionError:
        raise YamlReadError(Problem(file, None, None, f"is nested too deeply (more than {MAX_DEPTH} levels)")) from None
    return YamlDocument(data=data, lines=lines, file=file)


# Characters Word cannot store, or that YAML would silently turn into a line break (U+0085):
# C0 controls other than tab and line ends, DEL, C1 controls, and the two non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def _field_name(path: tuple) -> str | None:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or None


def _refuse_control_characters(text: str, file: str) -> None:
    """A control character typed into the file itself (not written as an escape) is named with its line and field.

    YAML would otherwise refuse most of them without a line, and fold U+0085 into a space.
    """
    bad = _CONTROL.search(text)
    if bad is None:
        return
    line = text.count("\n", 0, bad.start()) + 1
    column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
    field = None
    try:
        # Find the field on that line by reading a copy with the characters blanked out.
        located = loads(_CONTROL.sub(" ", text), file=file)
        on_line = [path for path, number in located.lines.items() if number == line and path]
        if on_line:
            field = _field_name(max(on_line, key=len))
    except YamlReadError:
        pass
    raise YamlReadError(
        Problem(file, line, field, f"contains a control character (U+{ord(bad.group()):04X}, column {column}) that Word cannot show; delete it and retype the text")
    )


def _refuse_deep_nesting(text: str, file: str) -> None:
    """Refuse blocks nested more than MAX_DEPTH deep, naming the line and field, before anything recursive reads them.

    The event parser does not recurse, so this works at any depth; composing a document does,
    and runs out of stack at a few hundred levels.
    """
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, MappingStartEvent, NodeEvent, ScalarEvent

    stack: list[list] = []  # per open block: [is_mapping, key or index, expecting a key]
    try:
        for event in _yaml().parse(io.StringIO(text)):
            if isinstance(event, CollectionEndEvent):
                stack.pop()
                if stack:
                    _advance(stack[-1])
                continue
            if not isinstance(event, NodeEvent):
                continue
            parent = stack[-1] if stack else None
            if parent is not None and parent[0] and parent[2]:
                # A mapping key: remember it; a key that is itself a block is left to the loader.
                parent[1] = event.value if isinstance(event, ScalarEvent) else "?"
                parent[2] = False
                if isinstance(event, CollectionStartEvent):
                    stack.append([isinstance(event, MappingStartEvent), 0 if not isinstance(event, MappingStartEvent) else None, True])
                continue
            if isinstance(event, CollectionStartEvent):
                stack.append([isinstance(event, MappingStartEvent), 0 if not isinstance(event, MappingStartEvent) else None, True])
                if len(stack) > MAX_DEPTH:
                    path = tuple(entry[1] for entry in stack[:-1])
                    raise YamlReadError(Problem(file, event.start_mark.line + 1, _field_name(path), f"is nested too deeply (more than {MAX_DEPTH} levels)"))
            elif isinstance(event, (ScalarEvent, AliasEvent)) and parent is not None:
                _advance(parent)
    except YAMLError:
        return  # the loader reports syntax errors with their line


def _advance(entry: list) -> None:
    """Move an open block past one value: the next key of a mapping, the next index of a list."""
    if entry[0]:
        entry[2] = True
    else:
        entry[1] += 1


def _describe_yaml_error(err) -> str:
    problem = (err.problem or "").strip()
    if "found duplicate key" in problem or "duplicate key" in str(err):
        key = ""
        if "\"" in problem:
            key = problem.split('"')[1]
        return f"the key '{key}' appears twice in the same block; keep one" if key else "a key appears twice in the same block; keep one"
    if "found character '\\t'" in problem or "\\t" in problem:
        return "uses a tab for indentation; YAML needs spaces"
    context = (err.context or "").strip()
    text = problem or context or "syntax error"
    return f"is not valid YAML ({text}); check the indentation and quotes on this line"


def _plain(node: Any, path: tuple, lines: dict, counter: list, file: str, depth: int) -> Any:
    """Convert ruamel's round-trip objects into plain data, recording lines and bounding size."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq, CommentedSet, TaggedScalar

    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise YamlReadError(
            Problem(file, None, None, f"expands to more than {MAX_NODES:,} values (a YAML alias bomb?); remove the anchors and aliases")
        )
    if depth > MAX_DEPTH:
        raise YamlReadError(Problem(file, lines.get(path), _field_name(path[:-1]), f"is nested too deeply (more than {MAX_DEPTH} levels)"))
    if isinstance(node, (CommentedMap, CommentedSeq)) and getattr(getattr(node, "tag", None), "value", None):
        raise YamlReadError(_tag_problem(file, lines.get(path), path, node.tag.value))
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            if isinstance(key, (CommentedMap, CommentedSeq, list, dict)):
                raise YamlReadError(Problem(file, None, ".".join(map(str, path)) or None, "uses a complex mapping key; keys must be plain words"))
            key_text = key if isinstance(key, str) else ("" if key is None else str(key).lower() if isinstance(key, bool) else str(key))
            try:
                line, _col = node.lc.key(key)
                lines[path + (key_text,)] = line + 1
            except (KeyError, TypeError, AttributeError):
                pass
            out[key_text] = _plain(value, path + (key_text,), lines, counter, file, depth + 1)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            try:
                line, _col = node.lc.item(index)
                lines[path + (index,)] = line + 1
            except (KeyError, TypeError, AttributeError, IndexError):
                pass
            items.append(_plain(value, path + (index,), lines, counter, file, depth + 1))
        return items
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar):
        if tag == "tag:yaml.org,2002:str":
            return str(node.value)
        raise YamlReadError(_tag_problem(file, lines.get(path), path, tag))
    if isinstance(node, str):
        return str(node)  # drop ruamel's scalar-string subclasses
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, (bytes, CommentedSet)):
        raise YamlReadError(_tag_problem(file, lines.get(path), path, "!!binary" if isinstance(node, bytes) else "!!set"))
    if isinstance(node, (int, float, dt.date)):
        # Tagged scalars (!!int 5, !!timestamp 2026-04-01) come back as Python values; keep their text.
        return node.isoformat() if isinstance(node, dt.date) else str(node)
    raise YamlReadError(_tag_problem(file, lines.get(path), path, tag or type(node).__name__))


def _tag_problem(file: str, line: int | None, path: tuple, tag: str | None) -> Problem:
    shown = (tag or "").replace("tag:yaml.org,2002:", "!!")
    return Problem(file, line, _field_name(path), f"uses the YAML tag '{shown}', which a profile never needs; remove it and write the value as plain text")
