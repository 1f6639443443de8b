"""Raw OOXML handling, kept in one private module: paragraphs, runs, tables, bookmarks, numbering,
document properties and the zip container. Everything else in msp-docs calls these functions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import struct
import zipfile
import zlib
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


# --------------------------------------------------------------------------- library repair

CORE_PROPERTIES_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def restore_core_properties_prefix() -> None:
    """Undo docxcompose's process-wide change of python-docx's ``cp`` prefix.

    Importing docxcompose (docxtpl imports it too) points python-docx's ``cp`` prefix at the
    custom-properties namespace, so setting a core property such as keywords then adds a second,
    wrongly namespaced element that Word reports as unreadable content (docxcompose issue #101,
    docxtpl pull request #657). docxcompose keeps its own namespace map, so this is safe for it.
    Call after importing docxtpl or docxcompose.
    """
    from docx.oxml.ns import nsmap

    nsmap["cp"] = CORE_PROPERTIES_NS


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
          widths: list[int] | None = None, highlight_fill: str = "FBE3D6", cell_num: tuple[int, int] | None = None):
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
            tc.append(paragraph(header_style if header else cell_style, runs, num=cell_num))

    add_row(header_cells, True, None)
    for index, cells in enumerate(rows):
        add_row(cells, False, index)
    return tbl


def set_page_break_before(p) -> None:
    """Make a paragraph start on a new page."""
    ppr = p.find(w("pPr"))
    if ppr is None:
        ppr = _el("pPr")
        p.insert(0, ppr)
    element = _el("pageBreakBefore")
    # pageBreakBefore comes after pStyle, keepNext and keepLines in the schema order.
    position = 0
    for index, child in enumerate(ppr):
        if child.tag in (w("pStyle"), w("keepNext"), w("keepLines")):
            position = index + 1
    ppr.insert(position, element)


def apply_run_look(elements, *, size: str | None, font: str | None, skip_styles=frozenset()) -> None:
    """Give runs a font size and font by hand (as the host does), except in paragraphs of ``skip_styles``."""
    for element in elements:
        for p in element.iter(w("p")):
            style = p.find(f"{w('pPr')}/{w('pStyle')}")
            if style is not None and style.get(w("val")) in skip_styles:
                continue
            if size:
                # The paragraph mark's properties also size the list number Word draws.
                ppr = p.find(w("pPr"))
                if ppr is None:
                    ppr = etree.Element(w("pPr"))
                    p.insert(0, ppr)
                mark = ppr.find(w("rPr"))
                if mark is None:
                    mark = etree.SubElement(ppr, w("rPr"))
                if mark.find(w("sz")) is None:
                    for tag in ("sz", "szCs"):
                        etree.SubElement(mark, w(tag)).set(w("val"), size)
            for r in p.iter(w("r")):
                rpr = r.find(w("rPr"))
                if rpr is None:
                    rpr = etree.Element(w("rPr"))
                    r.insert(0, rpr)
                if font and rpr.find(w("rFonts")) is None:
                    fonts = etree.Element(w("rFonts"))
                    for attr in ("ascii", "hAnsi", "cs"):
                        fonts.set(w(attr), font)
                    rpr.insert(0, fonts)  # rFonts comes first in rPr
                if size and rpr.find(w("sz")) is None:
                    # sz and szCs come after b and i in the schema order: append at the end.
                    for tag in ("sz", "szCs"):
                        el = etree.SubElement(rpr, w(tag))
                        el.set(w("val"), size)


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


# --------------------------------------------------------------------------- reading packages safely

MAX_MEMBERS = 5_000
# A reader that streams the XML (check) can take large parts: what it keeps is bounded by the
# extractor's own limits on paragraphs and characters. A reader that loads the whole package
# (python-docx, for add-clauses) holds every part in memory and about six times the size of the
# XML as a tree, so its limits are lower; they keep add-clauses well under 500 MB.
MAX_PART_BYTES = 400_000_000  # uncompressed size of any one part a streaming reader reads
MAX_TOTAL_BYTES = 1_000_000_000  # uncompressed size of all parts together, streaming
WHOLE_MAX_TOTAL_BYTES = 128_000_000  # uncompressed size of all parts together, loaded whole
WHOLE_MAX_XML_BYTES = 48_000_000  # uncompressed size of the XML parts together, loaded whole
# Word's XML compresses 5 to 30 times; a large part (or package) that compresses more than
# MAX_RATIO times is treated as a zip bomb.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 10_000_000  # parts (and packages) smaller than this are not judged by ratio
_UNSAFE = "it may be malicious, so it was not read; ask whoever sent it for a copy saved again from Word as .docx"
_BINARY_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf", ".wmf", ".bin", ".wdp", ".odttf", ".ttf", ".mp4", ".wav")
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOCUMENT_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_STORY_TYPES = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header": "header",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer": "footer",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes": "footnote",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes": "endnote",
}
_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError, struct.error)


def _declares_dtd(element) -> bool:
    """Whether the document an element belongs to has a DOCTYPE (internal subset or external DTD)."""
    info = element.getroottree().docinfo
    return bool(info.doctype or info.internalDTD is not None or info.system_url or info.public_id)


PROLOG_LIMIT = 1 << 20  # a Word part opens its root element within a few hundred bytes


class _PrologCheck:
    """Feed the start of a part to an XML parser until its root element opens, to see whether it has a DOCTYPE.

    The parser decodes whatever encoding the part declares (UTF-16, even UTF-7), so a DOCTYPE hidden
    from a byte search is still found. Binary parts fail at once and are left alone; a part whose
    root does not open within PROLOG_LIMIT bytes is treated as if it had a DOCTYPE.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.parser = etree.XMLPullParser(events=("start",), resolve_entities=False, no_network=True, load_dtd=False)
        self.seen = 0
        self.doctype = False

    def feed(self, data: bytes) -> None:
        if self.parser is None or not data:
            return
        self.seen += len(data)
        try:
            self.parser.feed(data)
            for _event, element in self.parser.read_events():
                self.doctype = _declares_dtd(element)
                self.parser = None
                return
        except etree.XMLSyntaxError as err:
            # Not XML (an image), or damaged: a real parse reports damage if the part is read.
            # libxml2 refuses entity loops and amplification itself; those are attacks too.
            self.doctype = "entit" in str(err).lower() or "amplification" in str(err).lower()
            self.parser = None
            return
        if self.seen > PROLOG_LIMIT:
            self.doctype = True
            self.parser = None


class _Limited(io.RawIOBase):
    """A read-only stream over a zip member that stops a decompression bomb mid-read."""

    def __init__(self, handle, limit: int, name: str, file: str) -> None:
        self.handle, self.limit, self.name, self.file, self.count = handle, limit, name, file, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        from msp_docs.errors import DocumentError, UnsafeDocumentError

        try:
            data = self.handle.read(len(buffer))
        except _ZIP_READ_ERRORS as err:
            # zipfile reports a bad CRC or a broken stream only while reading.
            raise DocumentError(f"{self.file} is damaged: the part {self.name} cannot be read ({err}); open it in Word, use Open and Repair, and save it again") from None
        self.count += len(data)
        if self.count > self.limit:
            raise UnsafeDocumentError(f"{self.file}: the part {self.name} expands to more than {self.limit / 1e6:.0f} MB; refusing it as a possible zip bomb: {_UNSAFE}")
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.handle.close()
        super().close()


class WordPackage:
    """A .docx opened for reading, with the zip checked against bombs, lies and hostile names.

    Before anything is parsed, every member is inflated once, in bounded pieces, to prove that it
    expands to exactly the size the zip declares (a lying zip is refused, so no later reader, not
    even python-docx, can be made to inflate more than the checked sizes), and every part that an
    XML parser would accept is checked for a DOCTYPE, which Word never writes: entity expansion
    and external entities are refused before python-docx or lxml see the part.

    ``whole`` says the caller will load every part into memory (python-docx); the size limits are
    then lower. ``name`` is the file's name for messages when ``path`` is a stream.
    """

    def __init__(self, path, *, name: str | None = None, whole: bool = True) -> None:
        from msp_docs.errors import DocumentError

        if name is None:
            name = str(path) if isinstance(path, (str, os.PathLike)) else getattr(path, "name", None)
        self.file = str(name) if name else "the document"
        try:
            self.zip = zipfile.ZipFile(path)
            infos = self.zip.infolist()
        except _ZIP_READ_ERRORS:
            raise DocumentError(f"{self.file} is damaged (not a readable zip/.docx); open it in Word, use Open and Repair, and save it again") from None
        try:
            self._check_members(infos, whole)
            self._verify_members(infos)
        except BaseException:
            self.zip.close()
            raise
        self.names = {info.filename for info in infos}
        self.main = self._main_part()

    def _check_members(self, infos, whole: bool) -> None:
        """Refuse a package from what its directory declares: names, encryption, methods, sizes, ratios."""
        from msp_docs.errors import DocumentError, UnsafeDocumentError

        if len(infos) > MAX_MEMBERS:
            raise UnsafeDocumentError(f"{self.file} holds {len(infos):,} files; a Word document never needs more than {MAX_MEMBERS:,}: {_UNSAFE}")
        total = compressed = xml_total = 0
        seen: set[str] = set()
        for info in infos:
            name = info.filename
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
                raise UnsafeDocumentError(f"{self.file} contains a file named '{name}' that points outside the document: {_UNSAFE}")
            if name in seen:
                raise UnsafeDocumentError(f"{self.file} contains two files named '{name}', which a Word document never does: {_UNSAFE}")
            seen.add(name)
            if info.flag_bits & 0x1:
                raise DocumentError(f"{self.file} is an encrypted zip; save an unprotected .docx and use that")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UnsafeDocumentError(f"{self.file}: {name} uses a compression method (number {info.compress_type}) Word never writes: {_UNSAFE}")
            total += info.file_size
            compressed += info.compress_size
            if not name.lower().endswith(_BINARY_SUFFIXES):
                xml_total += info.file_size
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise UnsafeDocumentError(
                    f"{self.file}: {name} would expand {info.file_size // max(info.compress_size, 1):,} times, to {info.file_size / 1e6:,.0f} MB; refusing it as a possible zip bomb: {_UNSAFE}"
                )
            if info.file_size > MAX_PART_BYTES:
                raise UnsafeDocumentError(f"{self.file}: {name} is {info.file_size / 1e6:,.0f} MB uncompressed; the limit is {MAX_PART_BYTES / 1e6:.0f} MB. {_UNSAFE}")
        if total > RATIO_FLOOR_BYTES and total > MAX_RATIO * max(compressed, 1):
            raise UnsafeDocumentError(
                f"{self.file} would expand {total // max(compressed, 1):,} times, to {total / 1e6:,.0f} MB; refusing it as a possible zip bomb: {_UNSAFE}"
            )
        limit = WHOLE_MAX_TOTAL_BYTES if whole else MAX_TOTAL_BYTES
        if total > limit:
            raise UnsafeDocumentError(f"{self.file} expands to {total / 1e6:,.0f} MB; msp-docs reads Word documents of up to {limit / 1e6:,.0f} MB uncompressed. Save a copy with smaller pictures (File > Compress Pictures) and use that")
        if whole and xml_total > WHOLE_MAX_XML_BYTES:
            raise UnsafeDocumentError(
                f"{self.file} holds {xml_total / 1e6:,.0f} MB of text and markup; msp-docs edits documents of up to {WHOLE_MAX_XML_BYTES / 1e6:,.0f} MB "
                "(several thousand pages). Split it and add the schedule to the part it belongs in"
            )

    def _verify_members(self, infos) -> None:
        """Inflate every member once, in bounded pieces: sizes and CRCs must be what the zip declares, and no part may carry a DOCTYPE."""
        from msp_docs.errors import DocumentError, UnsafeDocumentError

        images = self._image_parts(infos)
        fp = self.zip.fp
        for info in infos:
            try:
                fp.seek(info.header_offset)
                header = fp.read(30)
                if len(header) != 30 or header[:4] != b"PK\x03\x04":
                    raise zipfile.BadZipFile("bad local file header")
                name_length, extra_length = struct.unpack("<HH", header[26:30])
                fp.seek(info.header_offset + 30 + name_length + extra_length)
                inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
                remaining = info.compress_size
                produced = 0
                crc = 0
                # Pictures are kept as bytes by every reader, never parsed: an SVG logo saved from a
                # drawing program may carry a harmless DOCTYPE.
                prolog = _PrologCheck(info.filename) if info.filename not in images else None
                while True:
                    if inflate is not None and inflate.unconsumed_tail:
                        piece = inflate.decompress(inflate.unconsumed_tail, 1 << 20)
                    elif remaining > 0:
                        raw = fp.read(min(remaining, 1 << 16))
                        if not raw:
                            raise EOFError("the file ends inside this part")
                        remaining -= len(raw)
                        piece = inflate.decompress(raw, 1 << 20) if inflate is not None else raw
                    else:
                        break
                    produced += len(piece)
                    if produced > info.file_size:
                        raise UnsafeDocumentError(
                            f"{self.file}: {info.filename} holds more data than the zip declares ({info.file_size:,} bytes); a zip that lies about its sizes is refused: {_UNSAFE}"
                        )
                    crc = zlib.crc32(piece, crc)
                    if prolog is not None:
                        prolog.feed(piece)
                    if prolog is not None and prolog.doctype:
                        raise UnsafeDocumentError(
                            f"{self.file}: {info.filename} declares a DTD or entities, which Word never writes (an entity-expansion or external-entity attack): {_UNSAFE}"
                        )
                if inflate is not None and not inflate.eof:
                    raise zipfile.BadZipFile("the compressed data stops part-way")
                if produced != info.file_size or crc != info.CRC:
                    raise zipfile.BadZipFile("its size or checksum does not match the zip's directory")
            except _ZIP_READ_ERRORS as err:
                raise DocumentError(f"{self.file} is damaged: the part {info.filename} cannot be read ({err}); open it in Word, use Open and Repair, and save it again") from None

    def _image_parts(self, infos) -> set[str]:
        """Members whose content type is an image ([Content_Types].xml, read bounded); empty if it cannot be read."""
        if "[Content_Types].xml" not in {i.filename for i in infos}:
            return set()
        try:
            with self.zip.open("[Content_Types].xml") as stream:
                root = safe_xml(stream.read(1_000_000))
        except (ValueError, etree.XMLSyntaxError, *_ZIP_READ_ERRORS):
            return set()
        if _declares_dtd(root):
            return set()
        ns = "{http://schemas.openxmlformats.org/package/2006/content-types}"
        defaults = {(d.get("Extension") or "").lower(): d.get("ContentType") or "" for d in root.iter(f"{ns}Default")}
        overrides = {(o.get("PartName") or "").lstrip("/"): o.get("ContentType") or "" for o in root.iter(f"{ns}Override")}
        out = set()
        for info in infos:
            kind = overrides.get(info.filename) or defaults.get(info.filename.rpartition(".")[2].lower(), "")
            if kind.startswith("image/"):
                out.add(info.filename)
        return out

    def __enter__(self) -> "WordPackage":
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def read(self, name: str, limit: int = 50_000_000) -> bytes:
        """A small part's bytes (bounded)."""
        with self.open(name, limit) as stream:
            return stream.read()

    def open(self, name: str, limit: int = MAX_PART_BYTES):
        """A bounded stream over a part."""
        from msp_docs.errors import DocumentError

        try:
            handle = self.zip.open(name)
        except KeyError:
            raise DocumentError(f"{self.file} is missing its part {name}; it is damaged. Open it in Word, use Open and Repair, and save it again") from None
        except _ZIP_READ_ERRORS as err:
            raise DocumentError(f"{self.file}: the part {name} cannot be read ({err}); open it in Word, use Open and Repair, and save it again") from None
        return io.BufferedReader(_Limited(handle, limit, name, self.file), buffer_size=1 << 16)

    def xml(self, name: str, limit: int = 50_000_000):
        """A small part parsed safely (no DTDs, no entities, no network)."""
        from msp_docs.errors import DocumentError, UnsafeDocumentError

        data = self.read(name, limit)
        try:
            root = safe_xml(data)
        except ValueError as err:
            raise UnsafeDocumentError(f"{self.file}: {name}: {err}: {_UNSAFE}") from None
        except etree.XMLSyntaxError as err:
            raise DocumentError(f"{self.file}: the part {name} is damaged XML ({err}); open it in Word, use Open and Repair, and save it again") from None
        if _declares_dtd(root):
            raise UnsafeDocumentError(f"{self.file}: {name} declares a DTD or entities, which Word never writes: {_UNSAFE}")
        return root

    def _rels(self, part: str) -> list[tuple[str, str, str]]:
        folder, _, base = part.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if rels_name not in self.names:
            return []
        out = []
        for rel in self.xml(rels_name).iter(f"{{{REL_NS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            if target.startswith("/"):
                resolved = target.lstrip("/")
            else:
                parts = (folder.split("/") if folder else []) + target.split("/")
                stack: list[str] = []
                for piece in parts:
                    if piece == "..":
                        if stack:
                            stack.pop()
                    elif piece and piece != ".":
                        stack.append(piece)
                resolved = "/".join(stack)
            out.append((rel.get("Id", ""), rel.get("Type", ""), resolved))
        return out

    def _main_part(self) -> str:
        from msp_docs.errors import DocumentError

        for _id, reltype, target in self._rels(""):
            if reltype == OFFICE_DOCUMENT_RT or reltype.endswith("/officeDocument"):
                if target in self.names:
                    return target
        if "word/document.xml" in self.names:
            return "word/document.xml"
        raise DocumentError(f"{self.file} has no main document part; it is not a Word document or it is damaged")

    def related(self, part: str, reltype_suffix: str) -> list[str]:
        """Targets of a part's relationships whose type ends with ``reltype_suffix``."""
        return [target for _id, reltype, target in self._rels(part) if reltype.endswith(reltype_suffix) and target in self.names]

    def story_parts(self) -> list[tuple[str, str]]:
        """(kind, part name) of the body, then headers, footers, footnotes and endnotes."""
        stories = [("body", self.main)]
        seen = {self.main}
        for _id, reltype, target in self._rels(self.main):
            kind = _STORY_TYPES.get(reltype)
            if kind and target in self.names and target not in seen:
                seen.add(target)
                stories.append((kind, target))
        order = {"body": 0, "header": 1, "footer": 2, "footnote": 3, "endnote": 4}
        return sorted(stories, key=lambda s: order[s[0]])

    def heading_levels(self) -> dict[str, int]:
        """Paragraph style id -> outline level (1-based) for heading styles (see outline_levels)."""
        styles_part = next(iter(self.related(self.main, "/styles")), None)
        if not styles_part:
            return {}
        return outline_levels(self.xml(styles_part))

    def custom_properties(self) -> dict[str, str]:
        """User-defined document properties."""
        if "docProps/custom.xml" not in self.names:
            return {}
        root = self.xml("docProps/custom.xml", 5_000_000)
        return {prop.get("name", ""): "".join(prop.itertext()) for prop in root.iter(f"{{{CUSTOM_PROPS_NS}}}property")}

    def core_title(self) -> str | None:
        """dc:title from the core properties, if set."""
        if "docProps/core.xml" not in self.names:
            return None
        root = self.xml("docProps/core.xml", 5_000_000)
        title = root.find("{http://purl.org/dc/elements/1.1/}title")
        return (title.text or "").strip() or None if title is not None else None

    def passages(self, kind: str, part: str, heading_levels: dict[str, int], counter: list[int]):
        """Stream the paragraphs of a story part as Passage objects (see msp_docs.passage)."""
        from msp_docs.errors import DocumentError, UnsafeDocumentError
        from msp_docs.passage import MAX_PASSAGE_CHARS, Passage

        stream = self.open(part)
        try:
            head = stream.peek(65536)[:65536]
        except Exception:
            head = b""
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            stream.close()
            raise UnsafeDocumentError(f"{self.file}: {part} declares a DTD or entities, which Word never writes (an entity-expansion or external-entity attack): {_UNSAFE}")
        tags_t, tags_tab, tags_br = w("t"), w("tab"), w("br")
        tag_p, tag_tbl, tag_txbx = w("p"), w("tbl"), w("txbxContent")
        tag_del, tag_move_from = w("del"), w("moveFrom")
        tag_style, tag_outline = w("pStyle"), w("outlineLvl")
        tag_bm_start, tag_bm_end = w("bookmarkStart"), w("bookmarkEnd")
        tag_fallback = f"{{{MC_NS}}}Fallback"
        tag_body = w("body")
        stack: list[dict] = []
        deleted = fallback = tables = boxes = 0
        open_markers: dict[str, str] = {}  # bookmark id -> name, for msp markers open now
        opened: dict[str, int] = {}  # marker name -> sequence number of its first start
        headings: list[tuple[int, str]] = []
        label = "table" if kind == "body" else kind
        first = True
        try:
            for event, elem in etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True):
                tag = elem.tag
                if first:
                    # The parser has read the whole prolog by now, in whatever encoding: a DOCTYPE
                    # hidden from the byte check above (UTF-16, a long comment first) shows here.
                    first = False
                    if _declares_dtd(elem):
                        raise UnsafeDocumentError(f"{self.file}: {part} declares a DTD or entities, which Word never writes (an entity-expansion or external-entity attack): {_UNSAFE}")
                if event == "start":
                    if tag == tag_p:
                        stack.append({"text": [], "style": None, "outline": None, "markers": [], "table": tables > 0, "box": boxes > 0})
                    elif tag == tag_tbl:
                        tables += 1
                    elif tag == tag_txbx:
                        boxes += 1
                    elif tag == tag_del or tag == tag_move_from:
                        deleted += 1
                    elif tag == tag_fallback:
                        fallback += 1
                    elif tag == tag_bm_start:
                        name = elem.get(w("name")) or ""
                        if name.startswith(MARKER_PREFIX):
                            bid = elem.get(w("id")) or name
                            open_markers[bid] = name
                            opened.setdefault(name, len(opened))
                            if stack:
                                stack[-1]["markers"].append(name)
                    elif tag == tag_bm_end:
                        bid = elem.get(w("id")) or ""
                        if bid in open_markers:
                            name = open_markers[bid]
                            if stack:
                                stack[-1]["markers"].append(name)
                            # LibreOffice writes a long bookmark as a start with no end plus a short
                            # start/end pair at the end: ending the name ends every start of it.
                            for other in [b for b, n in open_markers.items() if n == name]:
                                del open_markers[other]
                    continue
                # end events
                if tag == tags_t:
                    if stack and not deleted and not fallback:
                        stack[-1]["text"].append(elem.text or "")
                elif tag == tags_tab or tag == tags_br:
                    if stack and not deleted and not fallback:
                        stack[-1]["text"].append(" ")
                elif tag == tag_style:
                    if stack:
                        stack[-1]["style"] = elem.get(w("val"))
                elif tag == tag_outline:
                    if stack and (elem.get(w("val")) or "").isdigit():
                        stack[-1]["outline"] = int(elem.get(w("val"))) + 1
                elif tag == tag_p:
                    para = stack.pop() if stack else None
                    if para is not None and not fallback:
                        text = " ".join("".join(para["text"]).split())
                        if text:
                            level = para["outline"] if para["outline"] and para["outline"] < 10 else heading_levels.get(para["style"] or "")
                            in_body = kind == "body" and not para["table"] and not para["box"]
                            marker = None
                            candidates = para["markers"] + list(open_markers.values())
                            if candidates:
                                # A paragraph touching two markers (one clause ends, the next starts) belongs to the later one.
                                marker = max(candidates, key=lambda n: opened.get(n, -1))
                            counter[0] += 1
                            part_label = "text box" if para["box"] else (label if para["table"] or kind != "body" else "body")
                            if level and in_body:
                                headings = [(lv, h) for lv, h in headings if lv < level]
                                passage = Passage(text[:MAX_PASSAGE_CHARS], counter[0], tuple(h for _, h in headings), part_label, None, level, marker)
                                headings.append((level, text[:200]))
                            else:
                                passage = Passage(text[:MAX_PASSAGE_CHARS], counter[0], tuple(h for _, h in headings), part_label, None, None, marker)
                            yield passage
                    elem.clear(keep_tail=False)
                elif tag == tag_tbl:
                    tables -= 1
                elif tag == tag_txbx:
                    boxes -= 1
                elif tag == tag_del or tag == tag_move_from:
                    deleted -= 1
                elif tag == tag_fallback:
                    fallback -= 1
                parent = elem.getparent()
                if parent is not None and parent.tag == tag_body:
                    # Free what has been read: the body's earlier children are no longer needed.
                    elem.clear(keep_tail=False)
                    while elem.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as err:
            message = str(err)
            lowered = message.lower()
            if "depth" in lowered or "nesting" in lowered:
                raise UnsafeDocumentError(
                    f"{self.file}: {part} is nested too deeply to read safely (for example tables inside tables hundreds of levels deep); "
                    "open it in Word, take the content out of the nested tables and save it again"
                ) from None
            if "entit" in lowered or "amplification" in lowered:
                raise UnsafeDocumentError(f"{self.file}: {part} uses entities, which Word never writes (an entity-expansion attack): {_UNSAFE}") from None
            if "huge" in lowered:
                raise UnsafeDocumentError(f"{self.file}: {part} holds a single piece of text too large to read safely: {_UNSAFE}") from None
            raise DocumentError(f"{self.file}: {part} is damaged XML ({message}); open it in Word, use Open and Repair, and save it again") from None
        finally:
            stream.close()


def outline_level(element) -> int | None:
    """The w:outlineLvl in an element's w:pPr as a heading level (1-9), 0 for body text, None if absent."""
    outline = element.find(f"{w('pPr')}/{w('outlineLvl')}")
    value = outline.get(w("val")) if outline is not None else None
    if value is None or not value.isdigit():
        return None
    return int(value) + 1 if int(value) < 9 else 0


def outline_levels(styles_root) -> dict[str, int]:
    """Style id -> outline level for heading styles, decided the way Word decides it.

    A style's own outline level wins, and level 9 means body text (Word's "TOC Heading" is based on
    Heading 1 but is not a heading); then a "heading N" name (also "Contract Heading 2"); then the
    style it is based on. A name with "heading" and no level ("GPS L2 Numbered Bold Heading") is a
    clause style, not a heading.
    """
    own: dict[str, int | None] = {}  # None: explicitly body text
    based: dict[str, str] = {}
    for style in styles_root.findall(w("style")):
        if style.get(w("type")) not in (None, "paragraph"):
            continue
        sid = style.get(w("styleId")) or ""
        name_el = style.find(w("name"))
        name = (name_el.get(w("val")) if name_el is not None else "") or ""
        level = outline_level(style)
        if level is not None:
            own[sid] = level or None
        else:
            match = re.search(r"(?:^|\s)(?:heading|kop|berschrift|titre)\s*([1-9])$", name.strip(), re.I)
            if match:
                own[sid] = int(match.group(1))
        base = style.find(w("basedOn"))
        if base is not None:
            based[sid] = base.get(w("val")) or ""
    levels: dict[str, int] = {}
    for sid in set(own) | set(based):
        current, hops = sid, 0
        while current not in own and current in based and hops < 20:
            current, hops = based[current], hops + 1
        if own.get(current):
            levels[sid] = own[current]
    return levels


def open_package(path, *, name: str | None = None, whole: bool = True) -> WordPackage:
    """Open a .docx for reading with safety checks; use as a context manager.

    Pass ``name`` (the file's name, for messages) when ``path`` is a stream, and ``whole=False``
    when the caller streams the parts instead of loading the package whole (see WordPackage).
    """
    return WordPackage(path, name=name, whole=whole)
