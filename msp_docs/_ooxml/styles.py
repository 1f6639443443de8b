"""Lists and headings as styles define them: list instances, the numbering a style applies, outline levels."""

from __future__ import annotations

import re

from lxml import etree

from msp_docs._ooxml.namespaces import w


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


# --------------------------------------------------------------------------- headings

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
