"""Generators for hostile and awkward input files, built at test time in a temporary folder.

Nothing here is committed as a binary: every function writes one file quickly (the largest, a
5,000-page document and a 300 MB zip bomb, take a second or two) and returns its path. The files
are what the hardening tests feed to ``msp-docs check`` and ``msp-docs add-clauses``:

* zip-level attacks: an honest zip bomb, one split over many parts, a lying zip (small declared
  size, huge real stream), members named ``../evil.xml`` or ``/abs.xml``, a truncated zip;
* XML-level attacks: billion laughs, external entities (``file://`` and ``http://``), an external
  DTD and a parameter entity, including versions hidden behind a long comment or in UTF-16;
* legitimate but large: a 5,000-page document, tables nested hundreds of levels deep;
* wrong kinds: an encrypted and a rights-protected Office file (OLE compound files), a .docm
  with a macro project, an old .doc, an .odt, random bytes, a scanned PDF with no text layer.

The zips that must lie about themselves are written by hand (``_write_zip``), so the test does
not depend on what :mod:`zipfile` is willing to write.
"""

from __future__ import annotations

import random
import struct
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOCX_MAIN_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN_CT = "application/vnd.ms-word.document.macroEnabled.main+xml"
VBA_CT = "application/vnd.ms-office.vbaProject"
RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

MiB = 1 << 20

# ----------------------------------------------------------------------------- a minimal .docx

_PARAGRAPH = (
    '<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
)
_HEADING = '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>'
_SECT = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>'

DOCUMENT_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
)
DOCUMENT_TAIL = f"{_SECT}</w:body></w:document>"

STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:styles xmlns:w="{W_NS}">'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>'
    '<w:next w:val="Normal"/><w:pPr><w:keepNext/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/>'
    '<w:next w:val="Normal"/><w:pPr><w:keepNext/><w:outlineLvl w:val="1"/></w:pPr></w:style>'
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/></w:style>'
    "</w:styles>"
)

CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>hostile.py</dc:creator></cp:coreProperties>"
)


def content_types(main_type: str = DOCX_MAIN_CT, extra_overrides: Iterable[tuple[str, str]] = (), extra_defaults: Iterable[tuple[str, str]] = ()) -> str:
    """[Content_Types].xml for the minimal package."""
    defaults = [("rels", "application/vnd.openxmlformats-package.relationships+xml"), ("xml", "application/xml"), *extra_defaults]
    overrides = [
        ("/word/document.xml", main_type),
        ("/word/styles.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        *extra_overrides,
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        + "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in defaults)
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )


def relationships(rels: Iterable[tuple[str, str, str]]) -> str:
    """A .rels part from (id, type suffix, target)."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_RELS_NS}">'
        + "".join(f'<Relationship Id="{i}" Type="{t if t.startswith("http") else RT + "/" + t}" Target="{target}"/>' for i, t, target in rels)
        + "</Relationships>"
    )


PACKAGE_RELS = relationships([("rId1", "officeDocument", "word/document.xml"), ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml")])
DOCUMENT_RELS = relationships([("rId1", "styles", "styles.xml")])


def paragraphs_xml(texts: Iterable[str]) -> str:
    """Body paragraphs (texts must already be XML-safe)."""
    return "".join(_PARAGRAPH.format(text=t) for t in texts)


CONTRACT_TEXT = [
    _HEADING.format(text="Safeguarding adults at risk"),
    paragraphs_xml(
        [
            "The Contractor shall report any safeguarding concern about an adult at risk of abuse or neglect to the Landlord's safeguarding lead the same day.",
            "Staff working in tenants' homes shall complete adult safeguarding training and follow the six principles of the Care Act 2014.",
        ]
    ),
]


def minimal_parts(document_xml: str | bytes | None = None, *, title: str = "Service contract") -> dict[str, bytes]:
    """The parts of a small valid .docx (name -> bytes)."""
    if document_xml is None:
        document_xml = DOCUMENT_HEAD + "".join(CONTRACT_TEXT) + DOCUMENT_TAIL
    return {
        "[Content_Types].xml": content_types().encode(),
        "_rels/.rels": PACKAGE_RELS.encode(),
        "word/document.xml": document_xml.encode() if isinstance(document_xml, str) else document_xml,
        "word/_rels/document.xml.rels": DOCUMENT_RELS.encode(),
        "word/styles.xml": STYLES.encode(),
        "docProps/core.xml": CORE.format(title=title).encode(),
    }


def write_docx(path: Path, parts: dict[str, bytes]) -> Path:
    """Write parts as a zip with zipfile (names are kept exactly as given)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def valid_docx(folder: Path, name: str = "contract.docx") -> Path:
    """A small, valid, well-behaved contract (the control case)."""
    return write_docx(folder / name, minimal_parts())


# ----------------------------------------------------------------------------- hand-written zips

@dataclass
class _Member:
    name: bytes
    method: int  # 0 stored, 8 deflated
    crc: int
    compressed: list[bytes]  # pieces of the compressed stream, written in order
    declared_size: int  # uncompressed size written in the headers (may lie)

    @property
    def compressed_size(self) -> int:
        return sum(len(p) for p in self.compressed)


def _member(name: str, data: bytes) -> _Member:
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    stream = co.compress(data) + co.flush()
    return _Member(name.encode("utf-8"), 8, zlib.crc32(data), [stream], len(data))


def _write_zip(path: Path, members: list[_Member], aliases: Iterable[tuple[str, int]] = ()) -> Path:
    """Write a zip from members exactly as described (sizes and CRCs are not checked).

    ``aliases`` adds directory entries (name, index of a member) that point at an existing
    member's data, as overlapping-entry zip bombs do.
    """
    central = []
    offsets = []
    with open(path, "wb") as out:
        for m in members:
            offset = out.tell()
            offsets.append(offset)
            csize = m.compressed_size
            flags = 0x800 if any(b > 127 for b in m.name) else 0
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, m.method, 0, 0x5C21, m.crc, csize, m.declared_size, len(m.name), 0))
            out.write(m.name)
            for piece in m.compressed:
                out.write(piece)
            central.append(
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, m.method, 0, 0x5C21, m.crc, csize, m.declared_size, len(m.name), 0, 0, 0, 0, 0o644 << 16, offset)
                + m.name
            )
        for name, index in aliases:
            m, encoded = members[index], name.encode("utf-8")
            central.append(
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, m.method, 0, 0x5C21, m.crc, m.compressed_size, m.declared_size, len(encoded), 0, 0, 0, 0, 0o644 << 16, offsets[index])
                + encoded
            )
        start = out.tell()
        for record in central:
            out.write(record)
        size = out.tell() - start
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), size, start, 0))
    return path


def _repeated_deflate(prefix: bytes, chunk: bytes, repeats: int, suffix: bytes) -> tuple[list[bytes], int, int]:
    """A deflate stream of prefix + chunk * repeats + suffix, made without compressing every copy.

    After a full flush the compressor forgets its history, so every copy of ``chunk`` compresses
    to the same bytes: compress it once and repeat the output. Returns (pieces, crc, size).
    """
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    again = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    assert block == again, "deflate output of a repeated block after a full flush should repeat"
    tail = co.compress(suffix) + co.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(suffix, crc)
    pieces = [head] + [block] * repeats + [tail]
    return pieces, crc, len(prefix) + len(chunk) * repeats + len(suffix)


def _filler_paragraphs(size: int) -> bytes:
    """About ``size`` bytes of identical, valid paragraphs."""
    one = _PARAGRAPH.format(text="Abuse and neglect must be reported. ").encode()
    return one * (size // len(one))


def _docx_with_streamed_document(path: Path, pieces: list[bytes], crc: int, declared_size: int, *, extra: dict[str, bytes] | None = None) -> Path:
    parts = minimal_parts()
    members = [_member(n, d) for n, d in parts.items() if n != "word/document.xml"]
    members.insert(2, _Member(b"word/document.xml", 8, crc, pieces, declared_size))
    for name, data in (extra or {}).items():
        members.append(_member(name, data))
    return _write_zip(path, members)


def honest_zip_bomb(folder: Path, megabytes: int = 300) -> Path:
    """word/document.xml of ``megabytes`` MB of paragraphs of one repeated letter, compressed about 1,000 times; sizes are true."""
    one = _PARAGRAPH.format(text="A" * 8000).encode()
    chunk = one * (MiB // len(one))
    pieces, crc, size = _repeated_deflate(DOCUMENT_HEAD.encode(), chunk, megabytes * MiB // len(chunk), DOCUMENT_TAIL.encode())
    return _docx_with_streamed_document(folder / "zip-bomb.docx", pieces, crc, size)


def dense_zip_bomb(folder: Path, megabytes: int = 300) -> Path:
    """word/document.xml of ``megabytes`` MB of short ordinary paragraphs (millions of them), compressed about 290 times.

    Its ratio stays under a simple "more than 300 times" rule, so only limits on size and on
    what is read out of it stop it.
    """
    chunk = _filler_paragraphs(MiB)
    pieces, crc, size = _repeated_deflate(DOCUMENT_HEAD.encode(), chunk, megabytes, DOCUMENT_TAIL.encode())
    return _docx_with_streamed_document(folder / "dense-zip-bomb.docx", pieces, crc, size)


def lying_zip(folder: Path, megabytes: int = 300, declared: int = 4096, true_crc_of_prefix: bool = True, member: str = "word/document.xml") -> Path:
    """A zip whose headers say ``member`` is ``declared`` bytes while its stream inflates to hundreds of MB.

    With ``true_crc_of_prefix`` the CRC matches the first ``declared`` bytes (a careful liar, whose
    check passes if a reader stops at the declared size); otherwise it is the CRC of the whole
    stream. ``member`` may be ``[Content_Types].xml``, which every reader reads first.
    """
    parts = minimal_parts()
    if member == "word/document.xml":
        prefix, chunk, suffix = DOCUMENT_HEAD.encode(), _filler_paragraphs(MiB), DOCUMENT_TAIL.encode()
    else:
        whole = parts[member]
        cut = whole.rindex(b"<")  # pad inside the root element, before its closing tag
        prefix, chunk, suffix = whole[:cut], b"<!-- padding -->" * (MiB // 16), whole[cut:]
    pieces, crc, _size = _repeated_deflate(prefix, chunk, megabytes, suffix)
    if true_crc_of_prefix:
        crc = zlib.crc32((prefix + chunk)[:declared])
    members = [_member(n, d) for n, d in parts.items()]
    members[list(parts).index(member)] = _Member(member.encode(), 8, crc, pieces, declared)
    stem = "lying-zip" if member == "word/document.xml" else "lying-content-types"
    return _write_zip(folder / f"{stem}{'' if true_crc_of_prefix else '-bad-crc'}.docx", members)


def split_zip_bomb(folder: Path, parts: int = 40, megabytes_each: int = 9) -> Path:
    """Many header parts, each too small to be judged a bomb on its own, all referenced by the body.

    Together they inflate to ``parts * megabytes_each`` MB from about a megabyte.
    """
    chunk = _filler_paragraphs(MiB)
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr xmlns:w="{W_NS}">'.encode()
    pieces, crc, size = _repeated_deflate(head, chunk, megabytes_each, b"</w:hdr>")
    base = minimal_parts()
    rels = [("rId1", "styles", "styles.xml")] + [(f"rId{i + 10}", "header", f"header{i}.xml") for i in range(parts)]
    base["word/_rels/document.xml.rels"] = relationships(rels).encode()
    overrides = [(f"/word/header{i}.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml") for i in range(parts)]
    base["[Content_Types].xml"] = content_types(extra_overrides=overrides).encode()
    members = [_member(n, d) for n, d in base.items()]
    for i in range(parts):
        members.append(_Member(f"word/header{i}.xml".encode(), 8, crc, pieces, size))
    return _write_zip(folder / "split-zip-bomb.docx", members)


def overlapping_zip_bomb(folder: Path, copies: int = 2000, megabytes: int = 9) -> Path:
    """One compressed kernel of ``megabytes`` MB and ``copies`` directory entries that all point at it.

    Each entry is small and ordinary; together they declare ``copies * megabytes`` MB from a
    file of a few megabytes (the overlapping-entry construction of modern zip bombs).
    """
    pieces, crc, size = _repeated_deflate(b"", b"\0" * MiB, megabytes, b"")
    members = [_member(n, d) for n, d in minimal_parts().items()]
    members.append(_Member(b"word/media/kernel.bin", 8, crc, pieces, size))
    aliases = [(f"word/media/copy{i}.bin", len(members) - 1) for i in range(copies)]
    return _write_zip(folder / "overlapping-zip-bomb.docx", members, aliases)


def many_members(folder: Path, count: int = 6000) -> Path:
    """A .docx holding thousands of tiny extra files."""
    members = [_member(n, d) for n, d in minimal_parts().items()]
    tiny = _member("x", b"")
    for i in range(count):
        members.append(_Member(f"customXml/item{i}.bin".encode(), tiny.method, tiny.crc, tiny.compressed, 0))
    return _write_zip(folder / "many-members.docx", members)


def hostile_member_name(folder: Path, member: str, file_name: str) -> Path:
    """A valid .docx plus one extra member with a hostile name such as ``../evil.xml``."""
    members = [_member(n, d) for n, d in minimal_parts().items()]
    members.append(_member(member, b"<evil/>"))
    return _write_zip(folder / file_name, members)


def truncated_zip(folder: Path) -> Path:
    """A valid .docx cut off part-way (a broken download)."""
    whole = valid_docx(folder, "whole.docx").read_bytes()
    path = folder / "truncated.docx"
    path.write_bytes(whole[: len(whole) * 3 // 5])
    (folder / "whole.docx").unlink()
    return path


# ----------------------------------------------------------------------------- hostile XML

def _laughs_dtd(levels: int = 10) -> str:
    entities = ['<!ENTITY lol0 "lol">']
    for i in range(1, levels):
        entities.append(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">')
    return "".join(entities)


def _document_with_doctype(internal: str, body_text: str, *, doctype_tail: str = "", padding: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"{padding}<!DOCTYPE w:document{doctype_tail} [{internal}]>"
        f'<w:document xmlns:w="{W_NS}"><w:body>'
        + _HEADING.format(text="Safeguarding adults")
        + f'<w:p><w:r><w:t xml:space="preserve">{body_text}</w:t></w:r></w:p>'
        + DOCUMENT_TAIL
    )


def _xml_doc(folder: Path, name: str, document_xml: str, encoding: str = "utf-8") -> Path:
    if encoding != "utf-8":
        document_xml = document_xml.replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"', 1)
    data = document_xml.encode(encoding)
    return write_docx(folder / name, minimal_parts(data))


def billion_laughs(folder: Path, *, hidden: str | None = None) -> Path:
    """document.xml that expands ``&lol9;`` to 10^9 'lol's if entities were resolved.

    ``hidden``: ``"comment"`` puts 100 KB of comment before the DOCTYPE (past any byte-sniffing
    window); ``"utf-16"`` encodes the part in UTF-16 so '<!DOCTYPE' is not in it as ASCII bytes.
    """
    padding = "<!--" + "x" * 100_000 + "-->" if hidden == "comment" else ""
    xml = _document_with_doctype(_laughs_dtd(), "start &lol9; end", padding=padding)
    suffix = f"-{hidden}" if hidden else ""
    return _xml_doc(folder, f"billion-laughs{suffix}.docx", xml, "utf-16" if hidden == "utf-16" else "utf-8")


def external_entity(folder: Path, url: str, name: str, *, hidden: str | None = None) -> Path:
    """document.xml whose text includes an external entity pointing at ``url`` (file:// or http://)."""
    padding = "<!--" + "x" * 100_000 + "-->" if hidden == "comment" else ""
    xml = _document_with_doctype(f'<!ENTITY xxe SYSTEM "{url}">', "[&xxe;]", padding=padding)
    return _xml_doc(folder, name, xml, "utf-16" if hidden == "utf-16" else "utf-8")


def external_dtd(folder: Path, url: str, name: str = "external-dtd.docx") -> Path:
    """document.xml whose DOCTYPE names an external DTD at ``url`` and uses a parameter entity from ``url``."""
    xml = _document_with_doctype(f'<!ENTITY % remote SYSTEM "{url}/param"> %remote;', "text", doctype_tail=f' SYSTEM "{url}/dtd"')
    return _xml_doc(folder, name, xml)


def entity_in_rels(folder: Path, url: str) -> Path:
    """A .docx whose package relationships part (read before the body) carries an external entity."""
    parts = minimal_parts()
    rels = PACKAGE_RELS.replace("?>\n", f'?>\n<!DOCTYPE Relationships [<!ENTITY xxe SYSTEM "{url}">]>', 1)
    parts["_rels/.rels"] = rels.replace('Target="docProps/core.xml"', 'Target="docProps/core.xml&xxe;"').encode()
    return write_docx(folder / "entity-in-rels.docx", parts)


def svg_logo_with_doctype(folder: Path) -> Path:
    """A legitimate contract with an SVG logo whose file carries a DOCTYPE, as drawing programs write.

    Pictures are kept as bytes and never parsed, so this must be accepted.
    """
    parts = minimal_parts()
    parts["[Content_Types].xml"] = content_types(extra_defaults=[("svg", "image/svg+xml")]).encode()
    parts["word/_rels/document.xml.rels"] = relationships([("rId1", "styles", "styles.xml"), ("rId2", "image", "media/logo.svg")]).encode()
    parts["word/media/logo.svg"] = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    ).encode()
    return write_docx(folder / "svg-logo.docx", parts)


# ----------------------------------------------------------------------------- big but legitimate

SENTENCES = [
    "The Contractor shall tell the Landlord's safeguarding lead about any concern that an adult with care and support needs is experiencing abuse or neglect.",
    "Operatives who visit tenants' homes must complete adult safeguarding training at induction and every two years after that.",
    "Work is carried out in line with the Care Act 2014 and the six safeguarding principles: empowerment, prevention, proportionality, protection, partnership and accountability.",
    "Records of concerns are kept securely and shared only with people who need to know, in line with data protection law.",
    "Where a tenant may lack capacity to make a decision, staff follow the Mental Capacity Act 2005 and ask the safeguarding lead for advice.",
]


def huge_document(folder: Path, pages: int = 5000, paragraphs_per_page: int = 20) -> Path:
    """A ~5,000-page contract: ``pages * paragraphs_per_page`` paragraphs with a page break after every page.

    Written as raw XML in one streamed member (python-docx would take minutes to build it).
    """
    path = folder / "five-thousand-pages.docx"
    parts = minimal_parts()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in parts.items():
            if name != "word/document.xml":
                zf.writestr(name, data)
        with zf.open("word/document.xml", "w", force_zip64=True) as out:
            out.write(DOCUMENT_HEAD.encode())
            page_break = b'<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
            for page in range(pages):
                chunk = [_HEADING.format(text=f"Schedule {page + 1}") if page % 50 == 0 else ""]
                for i in range(paragraphs_per_page - 1):
                    chunk.append(_PARAGRAPH.format(text=f"{page + 1}.{i + 1} {SENTENCES[(page + i) % len(SENTENCES)]}"))
                out.write("".join(chunk).encode() + page_break)
            out.write(DOCUMENT_TAIL.encode())
    return path


def too_many_paragraphs(folder: Path, count: int = 210_000) -> Path:
    """An ordinary-looking document with more short paragraphs than msp-docs reads (over 10,000 pages' worth)."""
    path = folder / "too-many-paragraphs.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in minimal_parts().items():
            if name != "word/document.xml":
                zf.writestr(name, data)
        with zf.open("word/document.xml", "w", force_zip64=True) as out:
            out.write(DOCUMENT_HEAD.encode())
            for start in range(0, count, 10_000):
                out.write(paragraphs_xml(f"Item {n}." for n in range(start, min(start + 10_000, count))).encode())
            out.write(DOCUMENT_TAIL.encode())
    return path


def nested_tables(folder: Path, depth: int) -> Path:
    """Tables nested ``depth`` levels deep (each cell holds the next table), with text at the bottom."""
    cell_open = '<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid><w:gridCol w:w="5000"/></w:tblGrid><w:tr><w:tc><w:tcPr><w:tcW w:w="5000" w:type="dxa"/></w:tcPr>'
    cell_close = "<w:p/></w:tc></w:tr></w:tbl>"
    inner = paragraphs_xml(["Safeguarding adults at risk is everyone's business."])
    body = _HEADING.format(text="Nested tables") + cell_open * depth + inner + cell_close * depth + "<w:p/>"
    return write_docx(folder / f"nested-tables-{depth}.docx", minimal_parts(DOCUMENT_HEAD + body + DOCUMENT_TAIL))


# ----------------------------------------------------------------------------- wrong kinds of file

def docm(folder: Path, name: str = "macro-contract.docm", sentinel: Path | None = None) -> Path:
    """A macro-enabled document: the macro content type and a vbaProject.bin part related to the body.

    The "macro" would create ``sentinel`` if anything ever ran it.
    """
    sentinel = sentinel or folder / "macro-ran"
    parts = minimal_parts()
    parts["[Content_Types].xml"] = content_types(DOCM_MAIN_CT, extra_defaults=[("bin", VBA_CT)]).encode()
    parts["word/_rels/document.xml.rels"] = relationships([("rId1", "styles", "styles.xml"), ("rId2", "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin")]).encode()
    # Not a real VBA project: an OLE header and the words a macro would contain, never to be run.
    parts["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + f'Sub AutoOpen()\r\n  Shell "touch {sentinel}"\r\nEnd Sub\r\n'.encode() * 8
    return write_docx(folder / name, parts)


def random_bytes(folder: Path, name: str = "random.docx", size: int = 64 * 1024, seed: int = 20260401) -> Path:
    """Random bytes (fixed seed) under a document's name."""
    path = folder / name
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def zip_of_random_bytes(folder: Path) -> Path:
    """'PK' and a local header signature followed by random bytes."""
    path = folder / "garbage-after-zip-header.docx"
    path.write_bytes(b"PK\x03\x04" + random.Random(7).randbytes(32 * 1024))
    return path


def odt(folder: Path) -> Path:
    """An OpenDocument text file (stored mimetype first, as LibreOffice writes it)."""
    path = folder / "contract.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
            zipfile.ZIP_DEFLATED,
        )
        zf.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:text>'
            "<text:p>Safeguarding adults at risk.</text:p></office:text></office:body></office:document-content>",
            zipfile.ZIP_DEFLATED,
        )
    return path


# OLE compound files (the container of .doc and of encrypted or rights-protected Office files)

_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_SECTOR = 512


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list["_Entry"] | None = None


def _cfb(entries: list[_Entry]) -> bytes:
    """A version 3 compound file holding ``entries`` (streams are padded to 4 KB so no mini stream is needed)."""
    flat: list[_Entry] = []
    root = _Entry("Root Entry", 5, children=entries)

    def collect(entry: _Entry) -> None:
        flat.append(entry)
        for child in entry.children or []:
            collect(child)

    collect(root)
    index = {id(e): i for i, e in enumerate(flat)}
    for entry in flat:
        if entry.kind == 2 and len(entry.data) < 4096:
            entry.data = entry.data.ljust(4096, b"\0")
    dir_sectors = (len(flat) + 3) // 4
    fat: list[int] = [_FAT]
    next_sector = 1
    dir_start = next_sector
    for i in range(dir_sectors):
        fat.append(dir_start + i + 1 if i < dir_sectors - 1 else _END)
    next_sector += dir_sectors
    starts: dict[int, int] = {}
    body = b""
    for entry in flat:
        if entry.kind != 2:
            continue
        count = (len(entry.data) + _SECTOR - 1) // _SECTOR
        starts[id(entry)] = next_sector
        for i in range(count):
            fat.append(next_sector + i + 1 if i < count - 1 else _END)
        next_sector += count
        body += entry.data.ljust(count * _SECTOR, b"\0")
    if len(fat) > _SECTOR // 4:
        raise ValueError("too much data for a one-sector FAT")
    fat += [_FREE] * (_SECTOR // 4 - len(fat))

    def siblings(children: list[_Entry]) -> tuple[int, dict[int, int]]:
        # A right-leaning chain sorted the compound-file way: shorter names first, then upper-case order.
        ordered = sorted(children, key=lambda e: (len(e.name), e.name.upper()))
        right = {id(e): (index[id(ordered[i + 1])] if i + 1 < len(ordered) else _FREE) for i, e in enumerate(ordered)}
        return (index[id(ordered[0])] if ordered else _FREE), right

    rights: dict[int, int] = {}
    child_of: dict[int, int] = {}
    for entry in flat:
        if entry.children:
            first, right = siblings(entry.children)
            child_of[id(entry)] = first
            rights.update(right)
    directory = b""
    for entry in flat:
        name = entry.name.encode("utf-16-le") + b"\0\0"
        start = starts.get(id(entry), _END if entry.kind != 1 else 0)
        size = len(entry.data) if entry.kind == 2 else 0
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            name,
            len(name),
            entry.kind,
            1,
            _FREE,
            rights.get(id(entry), _FREE),
            child_of.get(id(entry), _FREE),
            b"\0" * 16,
            0,
            0,
            0,
            start,
            size,
        )
    unused = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, _FREE, _FREE, _FREE, b"\0" * 16, 0, 0, 0, 0, 0)
    directory += unused * (dir_sectors * 4 - len(flat))
    difat = [0] + [_FREE] * 108
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        1,
        dir_start,
        0,
        4096,
        _END,
        0,
        _END,
        0,
    ) + struct.pack("<109I", *difat)
    assert len(header) == _SECTOR
    return header + struct.pack(f"<{_SECTOR // 4}I", *fat) + directory + body


def _dataspaces(name: str, transform: str) -> _Entry:
    return _Entry(
        "\x06DataSpaces",
        1,
        children=[
            _Entry("Version", 2, b"\x3c\x00\x00\x00" + "Microsoft.Container.DataSpaces".encode("utf-16-le")),
            _Entry("DataSpaceMap", 2, name.encode("utf-16-le")),
            _Entry("DataSpaceInfo", 1, children=[_Entry(name, 2, transform.encode("utf-16-le"))]),
            _Entry("TransformInfo", 1, children=[_Entry(transform, 1, children=[_Entry("\x06Primary", 2, transform.encode("utf-16-le"))])]),
        ],
    )


def encrypted_office(folder: Path, name: str = "password-protected.docx") -> Path:
    """What Word writes for 'Encrypt with Password': an OLE file with EncryptionInfo and EncryptedPackage."""
    rng = random.Random(11)
    entries = [
        _Entry("EncryptionInfo", 2, b"\x04\x00\x04\x00\x40\x00\x00\x00" + b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"/>'),
        _Entry("EncryptedPackage", 2, struct.pack("<Q", 8192) + rng.randbytes(8192)),
        _dataspaces("StrongEncryptionDataSpace", "StrongEncryptionTransform"),
    ]
    path = folder / name
    path.write_bytes(_cfb(entries))
    return path


def rights_protected_office(folder: Path, name: str = "rights-protected.docx") -> Path:
    """A document protected with rights management (IRM/AIP): EncryptedPackage inside a DRM data space."""
    rng = random.Random(12)
    entries = [
        _Entry("EncryptedPackage", 2, struct.pack("<Q", 8192) + rng.randbytes(8192)),
        _dataspaces("DRMEncryptedDataSpace", "DRMEncryptedTransform"),
        _Entry("\x05SummaryInformation", 2, b"\xfe\xff"),
    ]
    path = folder / name
    path.write_bytes(_cfb(entries))
    return path


def old_doc(folder: Path, name: str = "contract.doc") -> Path:
    """A Word 97-2003 .doc: an OLE file with WordDocument and 1Table streams."""
    entries = [
        _Entry("WordDocument", 2, b"\xec\xa5\xc1\x00" + b"\0" * 508),
        _Entry("1Table", 2, b"\0" * 512),
        _Entry("\x05SummaryInformation", 2, b"\xfe\xff"),
    ]
    path = folder / name
    path.write_bytes(_cfb(entries))
    return path


# ----------------------------------------------------------------------------- PDF

def scanned_pdf(folder: Path, pages: int = 3) -> Path:
    """A PDF whose pages are images only (a scan with no text layer), written by hand."""
    width = height = 64
    rng = random.Random(5)
    image = bytes(255 - (rng.random() < 0.1) * 200 for _ in range(width * height))
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    kids = []
    for _ in range(pages):
        img = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n" % (width, height, len(image)) + image + b"\nendstream")
        content = b"q 500 0 0 700 47 70 cm /Im1 Do Q"
        contents = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_obj, img, contents)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    path = folder / "scanned.pdf"
    path.write_bytes(bytes(out))
    return path
