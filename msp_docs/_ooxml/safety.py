"""What a Word file may be before it is parsed: size and ratio limits, DOCTYPE checks and bounded streams."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from lxml import etree


_PARSER = None


def safe_xml(data: bytes):
    """Parse XML with entities, DTDs and network access switched off, and huge trees allowed only up to lxml's limits."""
    global _PARSER
    if _PARSER is None:
        _PARSER = etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False, huge_tree=False, remove_comments=False)
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:65536]:
        raise ValueError("the XML declares a document type or entities, which Word documents never do")
    return etree.fromstring(data, _PARSER)


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
