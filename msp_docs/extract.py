"""Read documents written by anyone into passages of text with their place in the document.

Formats: .docx (and .docm/.dotx: text only), .pdf, .txt and .md, recognised by their content,
not their name. Word files are read from the XML, streaming, so tracked insertions count,
tracked deletions do not, nested tables and text boxes are read once, and a huge file stays
within bounded memory. Old .doc, .odt, encrypted and corrupt files are refused with a message
that says what to do.
"""

from __future__ import annotations

import dataclasses
import os
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from msp_docs import _ooxml
from msp_docs.errors import DocumentError, UnsafeDocumentError
from msp_docs.passage import MAX_PASSAGE_CHARS, Passage

MAX_FILE_BYTES = 200_000_000
MAX_TEXT_FILE_BYTES = 50_000_000
MAX_PDF_PAGES = 20_000
# What one document may hold, whatever its format: checking keeps every passage and the evidence
# found in it, about 1.5 KB a passage, so these keep a check under 500 MB. Both are about
# 10,000 pages of ordinary text.
MAX_PASSAGES = 200_000
MAX_TEXT_CHARS = 30_000_000

_HEADING_STYLE = re.compile(r"^(?:heading|kop|berschrift|titre)\s*(\d)$", re.I)


class _Budget:
    """Counts the passages and characters read from one document and stops at the limits."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.passages = 0
        self.chars = 0

    def take(self, passage: Passage) -> Passage:
        """Count a passage; raise UnsafeDocumentError when the document is larger than msp-docs reads."""
        self.passages += 1
        self.chars += len(passage.text)
        if self.passages > MAX_PASSAGES or self.chars > MAX_TEXT_CHARS:
            what = f"more than {MAX_PASSAGES:,} paragraphs" if self.passages > MAX_PASSAGES else f"more than {MAX_TEXT_CHARS:,} characters of text"
            raise UnsafeDocumentError(
                f"{self.name} holds {what} (over 10,000 pages); msp-docs checks documents of up to that size. Split it into parts and check each part"
            )
        return passage


@dataclass(frozen=True)
class ExtractedDocument:
    """The passages of a document plus what it says about itself (title, msp-docs properties)."""

    path: str
    format: str
    passages: tuple[Passage, ...]
    title: str | None = None
    properties: dict = field(default_factory=dict)
    pages: int | None = None
    warnings: tuple[str, ...] = ()
    author: str | None = None

    @property
    def text(self) -> str:
        """All text, one passage per line."""
        return "\n".join(p.text for p in self.passages)


def sniff(path: str | os.PathLike) -> str:
    """What a file is, from its first bytes: docx, pdf, text, or raise DocumentError saying why not.

    A Word file is also checked as a container (zip bombs, lying sizes, hostile names, DOCTYPEs).
    """
    p = Path(path)
    name = p.name
    if p.is_dir():
        raise DocumentError(f"{path} is a folder; give a document (or use a folder with .docx, .pdf, .txt or .md files in it)")
    try:
        size = p.stat().st_size
        with open(p, "rb") as handle:
            head = handle.read(8192)
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file; check the path") from None
    except OSError as err:
        raise DocumentError(f"{path} cannot be read: {err.strerror}") from None
    if size == 0:
        raise DocumentError(f"{path} is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise UnsafeDocumentError(f"{path} is {size / 1e6:.0f} MB; msp-docs reads documents up to {MAX_FILE_BYTES / 1e6:.0f} MB")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(p)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        with open(p, "rb") as handle:
            blob = handle.read(min(size, 4_000_000))
        if "EncryptedPackage".encode("utf-16-le") in blob or "EncryptionInfo".encode("utf-16-le") in blob:
            if "DRMEncrypted".encode("utf-16-le") in blob or b"\x06\x00D\x00a\x00t\x00a\x00S\x00p\x00a\x00c\x00e\x00s" in blob and "DRM".encode("utf-16-le") in blob:
                raise DocumentError(f"{name} is protected with rights management (IRM/AIP); ask its owner for an unprotected copy saved as .docx or PDF")
            raise DocumentError(f"{name} is password-protected (encrypted); open it in Word, remove the password (File > Info > Protect Document > Encrypt with Password) and save it again as .docx")
        raise DocumentError(f"{name} is an old Word 97-2003 document (.doc); open it in Word or LibreOffice and save it as .docx, then check that file")
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"{\\rtf"):
        raise DocumentError(f"{name} is a Rich Text (.rtf) file; save it as .docx or PDF and check that file")
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")) or _looks_like_text(head):
        return "md" if p.suffix.lower() in (".md", ".markdown") else "text"
    raise DocumentError(f"{name} is not a document msp-docs can read (not .docx, .pdf, .txt or .md); check the file is what it claims to be, or open it in the program that made it and save it as .docx or PDF")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as err:
        if err.start >= len(head) - 4:  # a character cut in half at the end of the sample
            return True
    try:
        text = head.decode("cp1252")
    except UnicodeDecodeError:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable / max(len(text), 1) > 0.97


def _sniff_zip(p: Path) -> str:
    try:
        with zipfile.ZipFile(p) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mimetype = _read_start(zf, "mimetype", 100)
                if b"opendocument" in mimetype:
                    raise DocumentError(f"{p.name} is an OpenDocument file (.odt); open it in LibreOffice or Word and save it as .docx, then check that file")
            if "[Content_Types].xml" not in names:
                raise DocumentError(f"{p.name} is a zip archive but not a Word document; give the .docx itself")
            types = _read_start(zf, "[Content_Types].xml", 1_000_000)
    except zipfile.BadZipFile:
        raise DocumentError(f"{p.name} is damaged (not a readable zip/.docx); open it in Word, use Open and Repair, and save it again") from None
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error) as err:
        raise DocumentError(f"{p.name} is damaged and cannot be read ({err}); open it in Word, use Open and Repair, and save it again") from None
    if b"macroEnabled.main" in types:
        kind = "docm"
    elif b"wordprocessingml" not in types:
        if b"spreadsheetml" in types or b"presentationml" in types:
            raise DocumentError(f"{p.name} is an Excel or PowerPoint file; give a Word document (.docx) or PDF")
        raise DocumentError(f"{p.name} is not a Word document; give a .docx, .pdf, .txt or .md file")
    else:
        kind = "docx"
    # Check the container here, where the file's name is known, for every reader that follows:
    # add-clauses hands python-docx the bytes, and a refusal from there could not name the file.
    with _ooxml.open_package(p, whole=False):
        pass
    return kind


def _read_start(zf: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a member.

    ``ZipFile.read`` inflates a whole member in one go, however much a lying zip makes of it;
    reading a bounded amount from the stream inflates only that much.
    """
    with zf.open(name) as stream:
        return stream.read(limit)


# What a file's name promises, and what its content is called in a message.
_SUFFIX_KIND = {".docx": "docx", ".docm": "docx", ".dotx": "docx", ".pdf": "pdf", ".txt": "text", ".text": "text", ".md": "text", ".markdown": "text"}
_KIND_NAME = {"docx": "a Word document", "pdf": "a PDF", "text": "plain text"}


def extract(path: str | os.PathLike) -> ExtractedDocument:
    """Read any supported document into passages (by its content; a name that says otherwise is warned of)."""
    kind = sniff(path)
    if kind in ("docx", "docm"):
        document = _extract_docx(Path(path), kind)
    elif kind == "pdf":
        document = _extract_pdf(Path(path))
    else:
        document = _extract_text(Path(path), kind)
    mismatch = _name_mismatch(Path(path), kind)
    return dataclasses.replace(document, warnings=(mismatch,)) if mismatch else document


def _name_mismatch(path: Path, kind: str) -> str | None:
    """A warning when the file's extension promises one format and its content is another."""
    promised = _SUFFIX_KIND.get(path.suffix.lower())
    actual = "docx" if kind == "docm" else "text" if kind == "md" else kind
    if promised is None or promised == actual:
        return None
    return (
        f"{path.name} is named {path.suffix} but is {_KIND_NAME[actual]}, not {_KIND_NAME[promised]}; msp-docs read it as "
        f"{_KIND_NAME[actual]}. Check it is the document you meant, and rename it to match its content"
    )


# --------------------------------------------------------------------------- text and markdown

def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig",):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("cp1252", errors="replace")


# The lines a web page copied as text starts with, which are not its title.
_WEB_FURNITURE = re.compile(r"^(skip to (the )?(main )?content|menu|main menu|search|home|back to top|sign in|log ?in|accessibility|cookies?( settings)?|accept( all)?( cookies)?)$", re.I)


def _plain_heading(line: str) -> bool:
    """A short line with no closing punctuation that starts with a capital or a number: a heading."""
    if len(line) > 70 or re.search(r"[.,;:!?]$", line) or line.startswith(("-", "*", "\u2022", "|")):
        return False
    words = line.split()
    if len(words) > 10:
        return False
    return bool(re.match(r"^(?:\d+(?:\.\d+)*\.?\s+)?[A-Z]", line))


def _extract_text(path: Path, kind: str) -> ExtractedDocument:
    size = path.stat().st_size
    if size > MAX_TEXT_FILE_BYTES:
        raise UnsafeDocumentError(f"{path.name} is {size / 1e6:.0f} MB of text; the limit is {MAX_TEXT_FILE_BYTES / 1e6:.0f} MB")
    text = _decode(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    passages: list[Passage] = []
    budget = _Budget(path.name)
    headings: list[tuple[int, str]] = []
    block: list[str] = []
    index = 0
    title = None

    def flush() -> None:
        nonlocal block, index
        if block:
            joined = " ".join(line.strip() for line in block).strip()
            if joined:
                index += 1
                passages.append(budget.take(Passage(joined[:MAX_PASSAGE_CHARS], index, tuple(h for _, h in headings))))
            block = []

    for line in text.split("\n"):
        stripped = line.strip()
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", stripped) if kind == "md" else None
        if kind == "text" and stripped and _plain_heading(stripped) and not block:
            heading = None
            flush()
            level = 1
            headings = [(1, stripped)]
            index += 1
            title = title or (None if _WEB_FURNITURE.match(stripped) else stripped)
            passages.append(budget.take(Passage(stripped[:MAX_PASSAGE_CHARS], index, (), heading_level=level)))
            continue
        if heading:
            flush()
            level = len(heading.group(1))
            words = heading.group(2)
            headings = [(lvl, h) for lvl, h in headings if lvl < level] + [(level, words)]
            index += 1
            title = title or (None if _WEB_FURNITURE.match(words) else words)
            passages.append(budget.take(Passage(words[:MAX_PASSAGE_CHARS], index, tuple(h for _, h in headings[:-1]), heading_level=level)))
        elif not stripped or re.match(r"^(?:[-*+\u2022\u25aa\u25e6]|\d+[.)])\s+", stripped) or stripped.startswith("|"):
            flush()
            if stripped:
                block = [re.sub(r"^(?:[-*+\u2022\u25aa\u25e6]|\d+[.)])\s+", "", stripped).strip("|").replace("|", " ")]
                flush()
        else:
            # One paragraph per line is common in plain text: a line ending a sentence ends the paragraph.
            if block and re.search(r"[.!?:;]$", block[-1]):
                flush()
            block.append(stripped.replace("\t", " "))
    flush()
    if title is None and passages:
        title = passages[0].text[:120]
    return ExtractedDocument(path=str(path), format=kind, passages=tuple(passages), title=title)


# --------------------------------------------------------------------------- PDF

def _extract_pdf(path: Path) -> ExtractedDocument:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as err:
        message = str(err).lower()
        if "password" in message:
            raise DocumentError(f"{path.name} is a password-protected PDF; save an unprotected copy and check that") from None
        raise DocumentError(f"{path.name} is a damaged PDF that cannot be read ({err})") from None
    try:
        count = len(pdf)
        if count > MAX_PDF_PAGES:
            raise UnsafeDocumentError(f"{path.name} has {count:,} pages; msp-docs reads PDFs of up to {MAX_PDF_PAGES:,} pages")
        passages: list[Passage] = []
        budget = _Budget(path.name)
        index = 0
        texts: list[str] = []
        for number in range(count):
            try:
                page = pdf[number]
                textpage = page.get_textpage()
                try:
                    texts.append(textpage.get_text_range())
                finally:
                    textpage.close()
                    page.close()
            except pdfium.PdfiumError as err:
                raise DocumentError(f"{path.name} is a damaged PDF: page {number + 1} cannot be read ({err}); save it again from the program that made it") from None
        furniture = _page_furniture(texts)
        shown: set[str] = set()
        for number, text in enumerate(texts):
            top, body, bottom = _without_furniture(text, furniture)
            for part, lines in (("header", top), (None, None), ("footer", bottom)):
                if part is None:
                    for chunk in _pdf_paragraphs(body):
                        index += 1
                        passages.append(budget.take(Passage(chunk[:MAX_PASSAGE_CHARS], index, (), page=number + 1)))
                    continue
                for line in lines:
                    # A running header or footer is read once, where it first appears.
                    if _furniture_key(line) not in shown:
                        shown.add(_furniture_key(line))
                        index += 1
                        passages.append(budget.take(Passage(line[:MAX_PASSAGE_CHARS], index, (), part=part, page=number + 1)))
        metadata = pdf.get_metadata_dict() if hasattr(pdf, "get_metadata_dict") else {}
    finally:
        pdf.close()
    if count and sum(len(p.text) for p in passages) < 20 * min(count, 5):
        raise DocumentError(
            f"{path.name} has no text layer (it looks like a scanned image); run it through OCR (for example in Word or Acrobat) and check the result"
        )
    title = (metadata or {}).get("Title") or (passages[0].text[:120] if passages else None)
    author = (metadata or {}).get("Author") or None
    return ExtractedDocument(path=str(path), format="pdf", passages=tuple(passages), title=title, pages=count, author=author)


# Lines at the top or bottom of a page that recur on at least half the pages (page numbers
# aside) are the running header and footer, not the document's substance.
_FURNITURE_LINES = 3


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def _page_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if line.strip()]


def _page_furniture(texts: list[str]) -> set[str]:
    """The keys of lines that head or foot at least half the pages (and at least two)."""
    if len(texts) < 2:
        return set()
    counts: dict[str, int] = {}
    for text in texts:
        lines = _page_lines(text)
        edges = {_furniture_key(line) for line in lines[:_FURNITURE_LINES] + lines[-_FURNITURE_LINES:]}
        for key in edges:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n >= 2 and n * 2 >= len(texts) and key.strip("# ")}


def _without_furniture(text: str, furniture: set[str]) -> tuple[list[str], str, list[str]]:
    """A page's running header lines, the rest of its text (blank lines kept), and its running footer lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    top: list[str] = []
    bottom: list[str] = []
    start, end = 0, len(lines)
    while start < end and len(top) < _FURNITURE_LINES and (not lines[start].strip() or _furniture_key(lines[start]) in furniture):
        if lines[start].strip():
            top.append(lines[start].strip())
        start += 1
    while end > start and len(bottom) < _FURNITURE_LINES and (not lines[end - 1].strip() or _furniture_key(lines[end - 1]) in furniture):
        if lines[end - 1].strip():
            bottom.insert(0, lines[end - 1].strip())
        end -= 1
    return top, "\n".join(lines[start:end]), bottom


_PDF_ITEM = re.compile(r"^(?:[•\-–·▪◦]|\d{1,3}(?:\.\d{1,3})*[.)]?)\s+")
_PDF_SENTENCE_END = re.compile(r"[.!?:;]$")
_SPACES = re.compile(r"\s+")


def _pdf_paragraphs(text: str) -> list[str]:
    """Split a page's text into paragraphs: blank lines, bullets and lines that end a sentence."""
    # pdfium marks a hyphen at the end of a line with U+FFFE (and drops the line break): it is
    # nearly always the hyphen of a compound word ("self-neglect", "out-of-hours"), so keep it.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x02", "").replace("\ufffe", "-")
    out: list[str] = []
    current: list[str] = []
    length = -1  # of " ".join(current), kept as lines are added
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            if current:
                out.append(" ".join(current))
                current, length = [], -1
            continue
        if current and _PDF_ITEM.match(line):
            out.append(" ".join(current))
            current, length = [], -1
        if current and current[-1].endswith("-") and not current[-1].endswith(" -"):
            current[-1] = current[-1][:-1] + line
            length += len(line) - 1
        else:
            current.append(line)
            length += len(line) + 1
        if length > 200 and _PDF_SENTENCE_END.search(line):
            out.append(" ".join(current))
            current, length = [], -1
    if current:
        out.append(" ".join(current))
    return [_SPACES.sub(" ", p).strip() for p in out if p.strip()]


# --------------------------------------------------------------------------- Word

def _extract_docx(path: Path, kind: str) -> ExtractedDocument:
    # The parts are streamed, not loaded whole, so the package may be as large as a streaming
    # reader allows; the budget bounds what is kept.
    with _ooxml.open_package(path, whole=False) as package:
        styles = package.heading_levels()
        passages: list[Passage] = []
        budget = _Budget(path.name)
        counter = [0]
        for story, part_name in package.story_parts():
            passages.extend(budget.take(p) for p in _ooxml.story_passages(package, story, part_name, styles, counter))
        properties = package.custom_properties()
        title = package.core_title()
        author = package.core_creator()
    if not title:
        for passage in passages:
            if passage.heading_level is not None or passage.part == "body":
                title = passage.text[:120]
                break
    return ExtractedDocument(path=str(path), format=kind, passages=tuple(passages), title=title, properties=properties, author=author)
