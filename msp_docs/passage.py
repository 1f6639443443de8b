"""A passage of a document's text with where it is: what every reader (Word, PDF, text) yields."""

from __future__ import annotations

from dataclasses import dataclass

#: The most of one paragraph that is kept; the rest is cut off.
MAX_PASSAGE_CHARS = 20_000


@dataclass(frozen=True)
class Passage:
    """A paragraph (or table cell paragraph, heading, footnote...) of a document, with where it is."""

    text: str
    index: int
    heading_path: tuple[str, ...] = ()
    part: str = "body"
    page: int | None = None
    heading_level: int | None = None
    marker: str | None = None
    #: For a Word passage: the part it was read from (``word/document.xml``) and the paragraph's
    #: position among every ``w:p`` of that part in document order, so a later stage can find the
    #: same paragraph in the XML (``review`` anchors its comments there).
    xml_part: str | None = None
    xml_position: int | None = None
    #: For a Word passage in a table: which table of its part (the outermost, counted from 1),
    #: and which row of the part's outermost tables (counted from 1 across them)
    table: int | None = None
    row: int | None = None

    @property
    def location(self) -> str:
        """Where the passage is, for a reader: heading path, paragraph number, page."""
        bits = []
        if self.heading_path:
            bits.append(" › ".join(self.heading_path))
        if self.part not in ("body", "table"):
            bits.append(self.part)
        if self.page is not None:
            bits.append(f"page {self.page}")
        bits.append(f"paragraph {self.index}")
        return ", ".join(bits)
