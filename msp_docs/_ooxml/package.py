"""The .docx zip container: opened for reading with every safety check (WordPackage), and written deterministically."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import struct
import zipfile
import zlib

from lxml import etree

from msp_docs._ooxml.namespaces import REL_NS
from msp_docs._ooxml.properties import CUSTOM_PROPS_NS
from msp_docs._ooxml.safety import (
    _BINARY_SUFFIXES,
    _UNSAFE,
    _ZIP_READ_ERRORS,
    MAX_MEMBERS,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    RATIO_FLOOR_BYTES,
    WHOLE_MAX_TOTAL_BYTES,
    WHOLE_MAX_XML_BYTES,
    _declares_dtd,
    _Limited,
    _PrologCheck,
    safe_xml,
)
from msp_docs._ooxml.styles import outline_levels


OFFICE_DOCUMENT_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_STORY_TYPES = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header": "header",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer": "footer",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes": "footnote",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes": "endnote",
}


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
        return self._core("title")

    def core_creator(self) -> str | None:
        """dc:creator (the author) from the core properties, if set."""
        return self._core("creator")

    def _core(self, name: str) -> str | None:
        if "docProps/core.xml" not in self.names:
            return None
        root = self.xml("docProps/core.xml", 5_000_000)
        element = root.find(f"{{http://purl.org/dc/elements/1.1/}}{name}")
        return (element.text or "").strip() or None if element is not None else None


def open_package(path, *, name: str | None = None, whole: bool = True) -> WordPackage:
    """Open a .docx for reading with safety checks; use as a context manager.

    Pass ``name`` (the file's name, for messages) when ``path`` is a stream, and ``whole=False``
    when the caller streams the parts instead of loading the package whole (see WordPackage).
    """
    return WordPackage(path, name=name, whole=whole)


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
