"""The light markup clause bodies are written in, parsed into blocks the renderer understands.

Block syntax (one block per paragraph; blank lines separate blocks):

    ## Sub-heading            heading inside a clause (### for a third level)
    Plain text ...            a paragraph; lines are joined; a line ending in a backslash breaks the line
    > Plain text ...          a paragraph that is never numbered (in documents with numbered paragraphs)
    - item                    bullet list item; indent by two spaces per level
    1. item                   numbered list item; each list starts again at 1
    | a | b |                 table; the first row is the header row and must be followed by |---|---|
    !! text                   at the start of a table cell: highlight the cell as a gap

Inline: **bold**, *italic*; a backslash escapes * | \\ and !.

Values from the profile never pass through this parser as text: the clause renderer replaces each
``{{ value }}`` with a token that stands for the literal string, so a name such as ``**Star** Homes``
or ``A | B`` is printed exactly as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN_OPEN = "\ue000"
TOKEN_CLOSE = "\ue001"
_TOKEN = re.compile(f"{TOKEN_OPEN}(\\d+){TOKEN_CLOSE}")


@dataclass(frozen=True)
class Run:
    """A stretch of text with one formatting; ``text`` may contain newlines (line breaks)."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Heading:
    """A heading inside a clause (level 2 or 3; the clause title is level 1)."""

    level: int
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph; ``numbered`` is False for paragraphs written with '> '."""

    runs: tuple[Run, ...]
    numbered: bool = True


@dataclass(frozen=True)
class ListItem:
    """One item of a bullet or numbered list; items with the same ``list_index`` form one list."""

    ordered: bool
    level: int
    runs: tuple[Run, ...]
    list_index: int


@dataclass(frozen=True)
class Cell:
    """A table cell: its runs and whether it is highlighted as a gap."""

    runs: tuple[Run, ...]
    highlight: bool = False


@dataclass(frozen=True)
class Table:
    """A table with one header row.

    Tables built in code (not parsed from clause markup) may set ``widths`` (each column's share
    of the text width, in per cent), ``row_height`` (the least height of a body row, in
    twentieths of a point: room to write in a form) and ``caption`` (the table's title for
    screen readers; the first header cell's text otherwise).
    """

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...] | None = None
    row_height: int | None = None
    caption: str | None = None


Block = Heading | Paragraph | ListItem | Table


class MarkupError(ValueError):
    """Raised when a clause body breaks the markup rules; ``line`` is 1-based within the body."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class _State:
    blocks: list = field(default_factory=list)
    list_index: int = 0
    in_list: bool = False


_BULLET = re.compile(r"^( *)- (.*)$")
_NUMBER = re.compile(r"^( *)\d{1,3}\. (.*)$")
_HEADING = re.compile(r"^(#{2,3}) (.*)$")
_TABLE_SEP = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def parse(text: str, literals: list[str] | tuple[str, ...] = ()) -> list[Block]:
    """Parse rendered clause markup into blocks, putting ``literals`` back in place of tokens."""
    lines = text.replace("\r\n", "\n").split("\n")
    state = _State()
    i = 0
    para: list[str] = []
    para_numbered = True
    para_line = 0

    def flush_para() -> None:
        nonlocal para, para_numbered
        if para:
            state.blocks.append(Paragraph(_inline(_join(para), literals, para_line), numbered=para_numbered))
            para = []
            para_numbered = True

    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        if not line.strip():
            flush_para()
            state.in_list = False
            i += 1
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        number = _NUMBER.match(line)
        if heading or bullet or number or line.lstrip().startswith("|") or line.startswith("> "):
            flush_para()
        if heading:
            state.blocks.append(Heading(len(heading.group(1)), _inline(heading.group(2).strip(), literals, lineno)))
            state.in_list = False
        elif bullet or number:
            match = bullet or number
            indent = len(match.group(1))
            if indent % 2:
                raise MarkupError("list items must be indented by a multiple of two spaces", lineno)
            if not state.in_list:
                state.list_index += 1
                state.in_list = True
            item_lines = [match.group(2)]
            while i + 1 < len(lines) and lines[i + 1].startswith(" " * (indent + 2)) and not (
                _BULLET.match(lines[i + 1]) or _NUMBER.match(lines[i + 1])
            ):
                i += 1
                item_lines.append(lines[i].strip())
            state.blocks.append(
                ListItem(ordered=number is not None and bullet is None, level=indent // 2, runs=_inline(_join(item_lines), literals, lineno), list_index=state.list_index)
            )
        elif line.lstrip().startswith("|"):
            rows = []
            start = lineno
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append((i + 1, lines[i].strip()))
                i += 1
            i -= 1
            state.blocks.append(_table(rows, literals, start))
            state.in_list = False
        elif line.startswith("> "):
            state.in_list = False
            para = [line[2:]]
            para_numbered = False
            para_line = lineno
        else:
            if state.in_list:
                raise MarkupError("text straight after a list item; leave a blank line before a new paragraph", lineno)
            if not para:
                para_line = lineno
            para.append(line.strip())
        i += 1
    flush_para()
    return state.blocks


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if line.endswith("\\") and not line.endswith("\\\\"):
            out += line[:-1].rstrip() + "\n"
        else:
            out += line + " "
    return out.rstrip(" ")


def _split_cells(row: str) -> list[str]:
    body = row.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells, current, escaped = [], "", False
    for ch in body:
        if escaped:
            current += "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += ch
    cells.append(current.strip())
    return cells


def _table(rows: list[tuple[int, str]], literals, start: int) -> Table:
    if len(rows) < 2 or not _TABLE_SEP.match(rows[1][1]):
        raise MarkupError("a table needs a header row followed by a |---| separator row", start)
    header = _split_cells(rows[0][1])
    width = len(header)
    body = []
    for lineno, row in rows[2:]:
        cells = _split_cells(row)
        if len(cells) != width:
            raise MarkupError(f"this table row has {len(cells)} cells but the header has {width}", lineno)
        body.append(tuple(_cell(c, literals, lineno) for c in cells))
    return Table(header=tuple(_cell(c, literals, start) for c in header), rows=tuple(body))


def _cell(text: str, literals, lineno: int) -> Cell:
    highlight = text.startswith("!! ") or text == "!!"
    if highlight:
        text = text[3:] if text.startswith("!! ") else ""
    return Cell(_inline(text, literals, lineno), highlight)


def _inline(text: str, literals, lineno: int) -> tuple[Run, ...]:
    """Split text into runs on **bold** and *italic*, resolving escapes and literal tokens."""
    runs: list[Run] = []
    bold = italic = False
    buf = ""
    i = 0
    n = len(text)

    def emit() -> None:
        nonlocal buf
        if buf:
            if runs and runs[-1].bold == bold and runs[-1].italic == italic:
                runs[-1] = Run(runs[-1].text + buf, bold, italic)
            else:
                runs.append(Run(buf, bold, italic))
            buf = ""

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "*|\\!":
            buf += text[i + 1]
            i += 2
            continue
        if ch == TOKEN_OPEN:
            match = _TOKEN.match(text, i)
            if not match:
                raise MarkupError("damaged value token", lineno)
            index = int(match.group(1))
            if index >= len(literals):
                raise MarkupError("value token out of range", lineno)
            buf += literals[index]
            i = match.end()
            continue
        if text.startswith("**", i):
            emit()
            bold = not bold
            i += 2
            continue
        if ch == "*":
            emit()
            italic = not italic
            i += 1
            continue
        buf += ch
        i += 1
    emit()
    if bold or italic:
        raise MarkupError("a ** or * is not closed on this line", lineno)
    return tuple(runs)


def plain_text(runs: tuple[Run, ...]) -> str:
    """The text of some runs, without formatting."""
    return "".join(r.text for r in runs)
