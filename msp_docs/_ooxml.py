"""Raw OOXML handling, kept in one private module: paragraphs, runs, tables, bookmarks, numbering,
document properties and the zip container. Everything else in msp-docs calls these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

MARKER_PREFIX = "msp_"
_MARKER = re.compile(r"^msp_([a-z0-9_]+)_([0-9a-f]{7})$")
CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PROPS_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_PROPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


def w(tag: str) -> str:
    """Clark name of a WordprocessingML tag: w('p') -> '{...main}p'."""
    return W + tag


def _el(tag: str, parent=None, **attrs):
    element = etree.SubElement(parent, w(tag)) if parent is not None else etree.Element(w(tag), nsmap={"w": W_NS})
    for key, value in attrs.items():
        element.set(w(key), str(value))
    return element


# --------------------------------------------------------------------------- building content

def run(text: str, bold: bool = False, italic: bool = False, shade: str | None = None):
    """A w:r with text; newlines become line breaks and tabs become tabs."""
    r = _el("r")
    if bold or italic or shade:
        rpr = _el("rPr", r)
        if bold:
            _el("b", rpr)
        if italic:
            _el("i", rpr)
    parts = re.split(r"(\n|\t)", text)
    for part in parts:
        if part == "\n":
            _el("br", r)
        elif part == "\t":
            _el("tab", r)
        elif part:
            t = _el("t", r)
            t.text = part
            if part[0].isspace() or part[-1].isspace():
                t.set(XML_SPACE, "preserve")
    return r


def paragraph(style_id: str | None, runs: Iterable = (), num: tuple[int, int] | None = None, keep_next: bool = False):
    """A w:p with a style, optional numbering (numId, ilvl) and runs (w:r elements)."""
    p = _el("p")
    if style_id or num or keep_next:
        ppr = _el("pPr", p)
        if style_id:
            _el("pStyle", ppr, val=style_id)
        if keep_next:
            _el("keepNext", ppr)
        if num:
            numpr = _el("numPr", ppr)
            _el("ilvl", numpr, val=num[1])
            _el("numId", numpr, val=num[0])
    for r in runs:
        p.append(r)
    return p


def table(header_cells: list[list], rows: list[list[list]], *, style_id: str | None, header_style: str | None,
          cell_style: str | None, highlights: set[tuple[int, int]] = frozenset(), caption: str | None = None,
          widths: list[int] | None = None, highlight_fill: str = "FBE3D6"):
    """A w:tbl whose first row is a repeating header row; cells are lists of w:r elements.

    ``widths`` are column widths in twentieths of a point; the table spans the text width.
    ``highlights`` are (row, column) positions in ``rows`` to shade as gaps.
    """
    tbl = _el("tbl")
    tblpr = _el("tblPr", tbl)
    if style_id:
        _el("tblStyle", tblpr, val=style_id)
    _el("tblW", tblpr, w="5000", type="pct")
    _el("tblLayout", tblpr, type="fixed")
    _el("tblLook", tblpr, val="04A0", firstRow="1", lastRow="0", firstColumn="0", lastColumn="0", noHBand="1", noVBand="1")
    if caption:
        _el("tblCaption", tblpr, val=caption)
    grid = _el("tblGrid", tbl)
    columns = len(header_cells)
    widths = widths or [int(9600 / columns)] * columns
    for width in widths:
        _el("gridCol", grid, w=width)

    def add_row(cells, header: bool, row_index: int | None):
        tr = _el("tr", tbl)
        trpr = _el("trPr", tr)
        _el("cantSplit", trpr)
        if header:
            _el("tblHeader", trpr)
        for col, runs in enumerate(cells):
            tc = _el("tc", tr)
            tcpr = _el("tcPr", tc)
            _el("tcW", tcpr, w=widths[col], type="dxa")
            if row_index is not None and (row_index, col) in highlights:
                _el("shd", tcpr, val="clear", color="auto", fill=highlight_fill)
            tc.append(paragraph(header_style if header else cell_style, runs))

    add_row(header_cells, True, None)
    for index, cells in enumerate(rows):
        add_row(cells, False, index)
    return tbl


def bookmark_start(bookmark_id: int, name: str):
    """A w:bookmarkStart."""
    return _el("bookmarkStart", id=bookmark_id, name=name)


def bookmark_end(bookmark_id: int):
    """A w:bookmarkEnd."""
    return _el("bookmarkEnd", id=bookmark_id)


def max_bookmark_id(root) -> int:
    """The largest w:id of any bookmark in ``root`` (0 if none)."""
    ids = [int(b.get(w("id"))) for b in root.iter(w("bookmarkStart")) if (b.get(w("id")) or "").isdigit()]
    return max(ids, default=0)


def last_paragraph(element):
    """The last w:p inside a block element (the element itself if it is a paragraph)."""
    if element.tag == w("p"):
        return element
    found = None
    for p in element.iter(w("p")):
        found = p
    return found


# --------------------------------------------------------------------------- clause markers

def text_fingerprint(texts: Iterable[str]) -> str:
    """Seven hex digits identifying clause text, ignoring spacing and line breaks."""
    words = " ".join(" ".join(texts).split())
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:7]


def marker_name(clause_id: str, fingerprint: str) -> str:
    """Bookmark name for a clause: msp_<id with underscores>_<fingerprint> (at most 40 characters)."""
    name = f"{MARKER_PREFIX}{clause_id.replace('-', '_')}_{fingerprint}"
    if len(name) > 40:
        raise ValueError(f"clause id too long for a bookmark: {clause_id}")
    return name


def parse_marker(name: str) -> tuple[str, str] | None:
    """(clause id, fingerprint) from a marker bookmark name, or None for other bookmarks."""
    match = _MARKER.match(name or "")
    if not match:
        return None
    return match.group(1).replace("_", "-"), match.group(2)


# --------------------------------------------------------------------------- numbering

def new_list_instance(numbering_element, abstract_num_id: int) -> int:
    """Add a w:num that restarts the given abstract list at 1; return its numId."""
    existing = [int(n.get(w("numId"))) for n in numbering_element.findall(w("num"))]
    num_id = max(existing, default=0) + 1
    num = etree.SubElement(numbering_element, w("num"))
    num.set(w("numId"), str(num_id))
    abstract = etree.SubElement(num, w("abstractNumId"))
    abstract.set(w("val"), str(abstract_num_id))
    for level in range(3):
        override = etree.SubElement(num, w("lvlOverride"))
        override.set(w("ilvl"), str(level))
        start = etree.SubElement(override, w("startOverride"))
        start.set(w("val"), "1")
    return num_id


def abstract_num_of(numbering_element, num_id: int) -> int | None:
    """The abstractNumId behind a numId."""
    for num in numbering_element.findall(w("num")):
        if num.get(w("numId")) == str(num_id):
            ref = num.find(w("abstractNumId"))
            return int(ref.get(w("val"))) if ref is not None else None
    return None


def style_num_id(styles_element, style_id: str) -> int | None:
    """The numId a paragraph style applies, if any."""
    for style in styles_element.findall(w("style")):
        if style.get(w("styleId")) == style_id:
            numid = style.find(f"{w('pPr')}/{w('numPr')}/{w('numId')}")
            return int(numid.get(w("val"))) if numid is not None else None
    return None


# --------------------------------------------------------------------------- properties

def set_custom_properties(document, values: dict[str, str]) -> None:
    """Write docProps/custom.xml (user-defined document properties) on a python-docx Document."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    root = etree.Element(f"{{{CUSTOM_PROPS_NS}}}Properties", nsmap={None: CUSTOM_PROPS_NS, "vt": VT_NS})
    for pid, (name, value) in enumerate(values.items(), start=2):
        prop = etree.SubElement(root, f"{{{CUSTOM_PROPS_NS}}}property", fmtid=FMTID, pid=str(pid), name=name)
        text = etree.SubElement(prop, f"{{{VT_NS}}}lpwstr")
        text.text = value
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == CUSTOM_PROPS_RT:
            del package.rels[rel_id]
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPS_CT, blob, package)
    package.relate_to(part, CUSTOM_PROPS_RT)


def read_custom_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    """User-defined document properties of an open docx zip."""
    try:
        data = zf.read("docProps/custom.xml")
    except KeyError:
        return {}
    root = safe_xml(data)
    out = {}
    for prop in root.iter(f"{{{CUSTOM_PROPS_NS}}}property"):
        value = "".join(prop.itertext())
        out[prop.get("name", "")] = value
    return out


# --------------------------------------------------------------------------- zip container

def deterministic_zip(data: bytes, when: dt.date) -> bytes:
    """Rewrite a docx zip so the same content gives the same bytes: fixed times, fixed order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    stamp = (max(when.year, 1980), when.month, when.day, 0, 0, 0)
    names = source.namelist()
    # [Content_Types].xml first, as Word writes it; the rest in the order python-docx wrote them.
    names.sort(key=lambda n: (n != "[Content_Types].xml",))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name))
    return out.getvalue()


_PARSER = None


def safe_xml(data: bytes):
    """Parse XML with entities, DTDs and network access switched off, and huge trees allowed only up to lxml's limits."""
    global _PARSER
    if _PARSER is None:
        _PARSER = etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False, huge_tree=False, remove_comments=False)
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:65536]:
        raise ValueError("the XML declares a document type or entities, which Word documents never do")
    return etree.fromstring(data, _PARSER)


def iter_text_nodes(element) -> Iterator[str]:
    """Visible text of an element in order: w:t, tabs and breaks; deleted text (w:delText) is skipped."""
    for node in element.iter(w("t"), w("tab"), w("br"), w("cr"), w("noBreakHyphen")):
        if node.tag == w("t"):
            yield node.text or ""
        elif node.tag == w("noBreakHyphen"):
            yield "-"
        else:
            yield " " if node.tag == w("tab") else "\n"
