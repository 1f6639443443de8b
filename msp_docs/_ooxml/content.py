"""Building Word content as XML: runs, paragraphs and tables, their look, and reading an element's text back."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from lxml import etree

from msp_docs._ooxml.namespaces import XML_SPACE, _el, w


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
          widths: list[int] | None = None, highlight_fill: str = "FBE3D6", cell_num: tuple[int, int] | None = None,
          row_height: int | None = None):
    """A w:tbl whose first row is a repeating header row; cells are lists of w:r elements.

    ``widths`` are column widths in twentieths of a point; the table spans the text width.
    ``highlights`` are (row, column) positions in ``rows`` to shade as gaps. ``row_height`` is
    the least height of a body row (twentieths of a point), for a form with room to write.
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
        if row_height and not header:
            _el("trHeight", trpr, val=row_height, hRule="atLeast")
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


def iter_text_nodes(element) -> Iterator[str]:
    """Visible text of an element in order: w:t, tabs and breaks; deleted text (w:delText) is skipped."""
    for node in element.iter(w("t"), w("tab"), w("br"), w("cr"), w("noBreakHyphen")):
        if node.tag == w("t"):
            yield node.text or ""
        elif node.tag == w("noBreakHyphen"):
            yield "-"
        else:
            yield " " if node.tag == w("tab") else "\n"
