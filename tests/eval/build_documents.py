#!/usr/bin/env python3
"""Build the evaluation documents of both sets from their sources.

* the project set: tests/eval/sources/ -> tests/eval/documents/ (formats and page headers in the
  ``DOCUMENTS`` list below);
* the blind set: tests/eval/blind/sources/ -> tests/eval/blind/documents/ (each source starts with
  front matter between ``---`` lines giving ``file``, ``format`` and optional ``header`` and
  ``footer``; the front matter is not part of the document).

Each source is a small Markdown-like text (``#``/``##``/``###`` headings, paragraphs, ``- `` bullets,
``1. `` numbered items, simple pipe tables whose first row is the header, ``**bold**``) plus one
extension: a block between a line ``:::box`` and a line ``:::`` is rendered in .docx/.pdf as a
one-cell table, so that those paragraphs exist *only* inside a table cell.

Target formats (see DOCUMENTS below):

* ``docx`` - python-docx with real Title/Heading 1/Heading 2 styles, List Bullet / List Number
  (numbering restarts for each list), Table Grid tables with a bold, repeating header row, optional
  header/footer text. Core properties and zip timestamps are fixed so reruns are byte-stable.
* ``pdf``  - the .docx above converted with ``soffice --headless --convert-to pdf``; the volatile
  dates and /ID in the PDF are then overwritten in place with fixed values of the same length.
* ``md``   - the source copied unchanged.
* ``txt``  - plain text without markup: headings as plain lines, bullets prefixed with a bullet
  character, numbered items as ``1.``, tables as tab-separated rows.

Run with the project venv:  /tmp/venv/bin/python tests/eval/build_documents.py
The script does not read anything under msp_docs/.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
OUT = HERE / "documents"
BLIND = HERE / "blind"

FIXED_DATETIME = _dt.datetime(2024, 7, 1, 9, 0, 0)
ZIP_DATE_TIME = (2024, 7, 1, 9, 0, 0)


@dataclass
class DocSpec:
    source: str
    fmt: str  # docx, pdf, md, txt
    author: str
    header: str | None = None
    footer: str | None = None
    source_dir: Path = SOURCES
    out_dir: Path = OUT

    @property
    def stem(self) -> str:
        return Path(self.source).stem

    @property
    def output(self) -> Path:
        return self.out_dir / f"{self.stem}.{self.fmt}"


DOCUMENTS: list[DocSpec] = [
    DocSpec("01-harbourside-policy.md", "docx", "Harbourside Housing Association",
            footer="Harbourside Housing Association | Adult Safeguarding Policy | Version 4.0"),
    DocSpec("02-northgate-pova-policy.md", "docx", "Northgate Housing Trust",
            header="Northgate Housing Trust - HM/POL/017"),
    DocSpec("03-calderbrook-statement.md", "txt", "Calderbrook Borough Council"),
    DocSpec("04-brightwater-procedure.md", "docx", "Brightwater Support"),
    DocSpec("05-kestrelvale-repairs-spec.md", "docx", "Kestrel Vale Housing Group",
            header="Kestrel Vale Housing Group - Responsive Repairs and Void Works Contract 2024-2029",
            footer="Specification Part C - Service Delivery - Commercial in confidence"),
    DocSpec("06-fernhill-gas-spec.md", "pdf", "Fernhill Homes"),
    DocSpec("07-oakridge-cleaning-spec.md", "md", "Oakridge Housing Association"),
    DocSpec("08-tollgate-children-policy.md", "docx", "Tollgate Homes"),
    DocSpec("09-marlowe-health-safety.md", "docx", "Marlowe Housing Group",
            header="Marlowe Housing Group | Health and Safety Policy | OFFICIAL",
            footer="Version 6.1 - Approved by the Group Board on 2 February 2024 - Uncontrolled when printed"),
    DocSpec("10-hollinslea-privacy-notice.md", "txt", "Hollins Lea Housing"),
    DocSpec("11-peverell-domestic-abuse.md", "docx", "Peverell Housing",
            footer="Peverell Housing - Domestic Abuse Policy - Version 3 (May 2024)"),
    DocSpec("12-sandpiper-hoarding-procedure.md", "pdf", "Sandpiper Housing Partnership"),
    DocSpec("13-westmere-floating-support-spec.md", "docx", "Westmere County Council",
            header="Westmere County Council - OFFICIAL - Tender reference WCC/ASC/2024/117",
            footer="Lot 2 Service Specification - Section 7 Safeguarding Adults"),
    DocSpec("14-castlegate-exclusions-policy.md", "docx", "Castlegate Housing Society"),
    DocSpec("15-ambergate-citations-policy.md", "md", "Ambergate Homes Limited"),
    DocSpec("16-willowcourt-sheltered-qa.md", "docx", "Larchfield Housing Trust",
            footer="Willow Court scheme guide - March 2024"),
    DocSpec("17-bramblewood-asb-policy.md", "docx", "Bramblewood Housing"),
    DocSpec("18-harbourside-board-report.md", "docx", "Harbourside Housing Association",
            header="CONFIDENTIAL - Board, 25 June 2024 - Item 9"),
]


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """The ``key: value`` lines between the opening ``---`` lines, and the text after them."""
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        return {}, text
    meta = {}
    for line in match.group(1).splitlines():
        if ":" in line:
            key, value = line.split(":", 1)
            meta[key.strip()] = value.strip()
    return meta, text.replace("\r\n", "\n")[match.end():]


def blind_specs() -> list[DocSpec]:
    """The blind set's documents, from the front matter of each source."""
    specs = []
    for source in sorted((BLIND / "sources").glob("*.md")):
        meta, _ = front_matter(source.read_text(encoding="utf-8"))
        fmt = meta["format"]
        if Path(meta["file"]).stem != source.stem or Path(meta["file"]).suffix != f".{fmt}":
            raise SystemExit(f"{source.name}: front matter 'file' ({meta['file']}) must be {source.stem}.{fmt}")
        specs.append(DocSpec(source.name, fmt, meta.get("organisation", ""), meta.get("header") or None,
                             meta.get("footer") or None, BLIND / "sources", BLIND / "documents"))
    return specs


# --------------------------------------------------------------------------- parsing

@dataclass
class Block:
    kind: str  # heading, para, bullet, number, table, box
    text: str = ""
    level: int = 0
    rows: list[list[str]] = field(default_factory=list)
    children: list["Block"] = field(default_factory=list)
    list_id: int = 0


_NUM_RE = re.compile(r"^(\d+)\.\s+(.*)$")


def _split_row(line: str) -> list[str]:
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|"):
        inner = inner[:-1]
    return [c.strip() for c in inner.split("|")]


def parse(text: str) -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    stack: list[list[Block]] = [blocks]
    list_counter = 0
    prev_kind = None
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        target = stack[-1]
        if line.strip() == ":::box":
            box = Block("box")
            target.append(box)
            stack.append(box.children)
            prev_kind = None
            i += 1
            continue
        if line.strip() == ":::":
            stack.pop()
            prev_kind = None
            i += 1
            continue
        if not line.strip():
            i += 1
            # a blank line between numbered items does not break the list
            continue
        if line.startswith("#"):
            hashes = len(line) - len(line.lstrip("#"))
            target.append(Block("heading", line[hashes:].strip(), level=hashes))
            prev_kind = "heading"
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = _split_row(lines[i])
                if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            target.append(Block("table", rows=rows))
            prev_kind = "table"
            continue
        elif line.startswith("- "):
            target.append(Block("bullet", line[2:].strip()))
            prev_kind = "bullet"
        elif _NUM_RE.match(line):
            if prev_kind != "number":
                list_counter += 1
            target.append(Block("number", _NUM_RE.match(line).group(2), list_id=list_counter))
            prev_kind = "number"
        else:
            target.append(Block("para", line.strip()))
            prev_kind = "para"
        i += 1
    return blocks


# --------------------------------------------------------------------------- docx

_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")


def _add_runs(paragraph, text: str, bold: bool = False) -> None:
    pos = 0
    for m in _BOLD_RE.finditer(text):
        if m.start() > pos:
            run = paragraph.add_run(text[pos:m.start()])
            run.bold = bold or None
        run = paragraph.add_run(m.group(1))
        run.bold = True
        pos = m.end()
    if pos < len(text):
        run = paragraph.add_run(text[pos:])
        run.bold = bold or None


class NumberingHelper:
    """Gives every numbered list its own w:num so that numbering restarts at 1."""

    def __init__(self, document):
        self.document = document
        style = document.styles["List Number"]
        base_num_id = style.element.pPr.numPr.numId.val
        numbering = document.part.numbering_part.element
        self.numbering = numbering
        self.abstract_id = None
        for num in numbering.num_lst:
            if num.numId == base_num_id:
                self.abstract_id = num.abstractNumId.val
        if self.abstract_id is None:
            raise RuntimeError("List Number style has no numbering definition")
        self.ids: dict[int, int] = {}

    def num_id_for(self, list_id: int) -> int:
        if list_id not in self.ids:
            num = self.numbering.add_num(self.abstract_id)
            override = num.add_lvlOverride(ilvl=0)
            override.add_startOverride(1)
            self.ids[list_id] = num.numId
        return self.ids[list_id]

    def apply(self, paragraph, list_id: int) -> None:
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = self.num_id_for(list_id)


def _mark_header_row(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _add_table(document_or_cell, rows: list[list[str]]):
    ncols = max(len(r) for r in rows)
    table = document_or_cell.add_table(rows=len(rows), cols=ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, cells in enumerate(rows):
        for c in range(ncols):
            text = cells[c] if c < len(cells) else ""
            cell = table.cell(r, c)
            para = cell.paragraphs[0]
            _add_runs(para, text, bold=(r == 0))
    _mark_header_row(table.rows[0])
    return table


def _render_blocks(document, container, blocks: list[Block], numbering: NumberingHelper,
                   in_box: bool = False) -> None:
    for b in blocks:
        if b.kind == "heading":
            if in_box:
                p = container.add_paragraph()
                _add_runs(p, b.text, bold=True)
            elif b.level == 1:
                document.add_heading(b.text, level=0)
            else:
                document.add_heading(b.text, level=min(b.level - 1, 3))
        elif b.kind == "para":
            p = container.add_paragraph()
            _add_runs(p, b.text)
        elif b.kind == "bullet":
            p = container.add_paragraph(style="List Bullet")
            _add_runs(p, b.text)
        elif b.kind == "number":
            p = container.add_paragraph(style="List Number")
            numbering.apply(p, b.list_id)
            _add_runs(p, b.text)
        elif b.kind == "table":
            _add_table(container, b.rows)
            if not in_box:
                # keep a little space after each table, as a real author would
                document.add_paragraph()
        elif b.kind == "box":
            box = document.add_table(rows=1, cols=1)
            box.style = "Table Grid"
            cell = box.cell(0, 0)
            # the cell starts with one empty paragraph; remove it so the cell holds only content
            first = cell.paragraphs[0]
            _render_blocks(document, cell, b.children, numbering, in_box=True)
            first._p.getparent().remove(first._p)
            document.add_paragraph()
        else:  # pragma: no cover
            raise ValueError(b.kind)


def build_docx(spec: DocSpec, blocks: list[Block], out_path: Path) -> None:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    numbering = NumberingHelper(document)

    title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), spec.stem)
    cp = document.core_properties
    cp.title = title
    cp.author = spec.author
    cp.last_modified_by = spec.author
    cp.created = FIXED_DATETIME
    cp.modified = FIXED_DATETIME
    cp.last_printed = FIXED_DATETIME
    cp.revision = 1
    cp.comments = ""
    cp.keywords = ""
    cp.subject = ""
    cp.category = ""

    section = document.sections[0]
    if spec.header:
        section.header.is_linked_to_previous = False
        section.header.paragraphs[0].text = spec.header
    if spec.footer:
        section.footer.is_linked_to_previous = False
        section.footer.paragraphs[0].text = spec.footer

    _render_blocks(document, document, blocks, numbering)

    buf = io.BytesIO()
    document.save(buf)
    _write_stable_zip(buf.getvalue(), out_path)


def _write_stable_zip(data: bytes, out_path: Path) -> None:
    """Rewrite the zip with fixed member timestamps so that reruns are byte-identical."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE_TIME)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            dst.writestr(new, src.read(info.filename))
    out_path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------- pdf

_PDF_DATE_RE = re.compile(rb"D:\d{14}[^)>]*")
_PDF_ID_RE = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")


def _fixed_pdf_date(m: re.Match) -> bytes:
    """Replace a PDF date with a fixed one of exactly the same length (keeps xref offsets valid)."""
    old = m.group(0)
    new = b"D:20240701090000"
    tz = re.sub(rb"\d", b"0", old[len(new):])
    if tz.startswith(b"-"):
        tz = b"+" + tz[1:]
    return new + tz


_PDF_CHECKSUM_RE = re.compile(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)")


def _stabilise_pdf(data: bytes) -> bytes:
    """Overwrite LibreOffice's volatile dates, /ID and /DocChecksum in place (same byte lengths)."""
    data = _PDF_DATE_RE.sub(_fixed_pdf_date, data)

    def fix_id(m: re.Match) -> bytes:
        a, b = m.group(1), m.group(2)
        return m.group(0).replace(a, b"0" * len(a)).replace(b, b"0" * len(b))

    data = _PDF_ID_RE.sub(fix_id, data)
    data = _PDF_CHECKSUM_RE.sub(lambda m: m.group(1) + b"0" * len(m.group(2)), data)
    return data


def build_pdf(spec: DocSpec, blocks: list[Block], out_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        if out_path.exists():
            print(f"  warning: soffice not found; keeping existing {out_path.name}", file=sys.stderr)
            return
        raise SystemExit("soffice (LibreOffice) is needed to build the PDF documents")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        docx_path = tmp_path / f"{spec.stem}.docx"
        build_docx(spec, blocks, docx_path)
        profile = tmp_path / "lo-profile"
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
             "--convert-to", "pdf", "--outdir", str(tmp_path), str(docx_path)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=240,
        )
        pdf = (tmp_path / f"{spec.stem}.pdf").read_bytes()
    out_path.write_bytes(_stabilise_pdf(pdf))


# --------------------------------------------------------------------------- txt / md

def _plain(text: str) -> str:
    return _BOLD_RE.sub(r"\1", text)


def render_txt(blocks: list[Block]) -> str:
    out: list[str] = []

    def emit(blocks: list[Block]) -> None:
        prev = None
        counters: dict[int, int] = {}
        for b in blocks:
            if b.kind in ("bullet", "number") and prev == b.kind:
                pass  # consecutive list items stay together
            elif out:
                out.append("")
            if b.kind == "heading":
                out.append(_plain(b.text))
            elif b.kind == "para":
                out.append(_plain(b.text))
            elif b.kind == "bullet":
                out.append("\u2022 " + _plain(b.text))
            elif b.kind == "number":
                counters[b.list_id] = counters.get(b.list_id, 0) + 1
                out.append(f"{counters[b.list_id]}. " + _plain(b.text))
            elif b.kind == "table":
                for row in b.rows:
                    out.append("\t".join(_plain(c) for c in row))
            elif b.kind == "box":
                emit(b.children)
            prev = b.kind

    emit(blocks)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- main

def build_one(spec: DocSpec) -> Path:
    _meta, text = front_matter((spec.source_dir / spec.source).read_text(encoding="utf-8"))
    blocks = parse(text)
    out_path = spec.output
    if spec.fmt == "docx":
        build_docx(spec, blocks, out_path)
    elif spec.fmt == "pdf":
        build_pdf(spec, blocks, out_path)
    elif spec.fmt == "md":
        if ":::" in text:
            raise SystemExit(f"{spec.source}: :::box blocks are not allowed in .md targets")
        out_path.write_text(text, encoding="utf-8")
    elif spec.fmt == "txt":
        out_path.write_text(render_txt(blocks), encoding="utf-8")
    else:
        raise ValueError(spec.fmt)
    return out_path


def main(argv: list[str]) -> int:
    wanted = set(argv[1:])
    specs = DOCUMENTS + blind_specs()
    for out_dir in {spec.out_dir for spec in specs}:
        out_dir.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        if wanted and spec.stem not in wanted and spec.source not in wanted:
            continue
        path = build_one(spec)
        print(f"built {path.relative_to(HERE)}")
    if not wanted:
        expected = {spec.output for spec in specs}
        for out_dir in {spec.out_dir for spec in specs}:
            for stray in out_dir.iterdir():
                if stray not in expected:
                    print(f"  note: {stray.relative_to(HERE)} is not produced by this script", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
