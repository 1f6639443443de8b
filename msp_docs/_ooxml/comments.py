"""Word comments: anchoring a comment to a whole paragraph, finding the body paragraph for a passage
Word cannot comment in place (a text box, a header, a note), and the styles comments are drawn in.

python-docx 1.2 writes the comment itself (``Document.comments.add_comment``); its anchoring
(``Run.mark_comment_range``) needs the first and last run to be children of the paragraph, which
tracked insertions, hyperlinks, fields and content controls break. A paragraph's own start and
end always are: the range markers go there, so a comment covers the paragraph, however its runs
are wrapped, and no marker lands inside a tracked change.
"""

from __future__ import annotations

from lxml import etree

from msp_docs._ooxml.namespaces import MC_NS, R_NS, W_NS, _el, w

_SKIPPED = (w("del"), w("moveFrom"), f"{{{MC_NS}}}Fallback", w("txbxContent"))


def own_text(p) -> str:
    """The text the passage reader sees for this paragraph alone (not its text boxes, not deleted text), spaces collapsed."""
    out: list[str] = []
    tag_t, tag_tab, tag_br = w("t"), w("tab"), w("br")

    def walk(element) -> None:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED or tag == w("p"):
                continue
            if tag == tag_t:
                out.append(child.text or "")
            elif tag in (tag_tab, tag_br) and element.tag == w("r"):
                out.append(" ")
            else:
                walk(child)

    walk(p)
    return " ".join("".join(out).split())


def anchor_paragraph(p, comment_id: int) -> None:
    """Make a whole paragraph the range of a comment: start after its properties, end and reference mark last."""
    start = _el("commentRangeStart", id=comment_id)
    ppr = p.find(w("pPr"))
    p.insert(1 if ppr is not None and p.index(ppr) == 0 else 0, start)
    p.append(_el("commentRangeEnd", id=comment_id))
    reference = _el("r", p)
    rpr = _el("rPr", reference)
    _el("rStyle", rpr, val="CommentReference")
    _el("commentReference", reference, id=comment_id)


def set_comment_date(comments_root, comment_id: int, stamp: str) -> None:
    """Set a comment's w:date to an ISO 8601 UTC stamp as Word writes it (``2026-07-01T09:00:00Z``).

    python-docx stamps the clock time, converting a naive time by the machine's time zone; a
    fixed stamp keeps the output the same for the same date on any machine.
    """
    for comment in comments_root.iter(w("comment")):
        if comment.get(w("id")) == str(comment_id):
            comment.set(w("date"), stamp)
            return
    raise KeyError(comment_id)


def outside_text_boxes(p):
    """The paragraph itself, or, for a paragraph in a text box, the body paragraph that holds the box."""
    holder = p
    for ancestor in p.iterancestors():
        if ancestor.tag == w("txbxContent"):
            holder = None
        elif ancestor.tag == w("p") and holder is None:
            holder = ancestor
    return holder if holder is not None else p


def in_text_box(p) -> bool:
    """Whether a paragraph sits in a text box (or a shape's text)."""
    return any(a.tag == w("txbxContent") for a in p.iterancestors())


def note_id_at(paragraph):
    """The w:id of the footnote or endnote a paragraph of the notes part belongs to (None if none)."""
    for ancestor in paragraph.iterancestors():
        if ancestor.tag in (w("footnote"), w("endnote")):
            return ancestor.get(w("id"))
    return None


def note_reference_paragraph(body, kind: str, note_id: str):
    """The paragraph of the body that holds the reference mark of a footnote or endnote (``kind``: footnote or endnote)."""
    for reference in body.iter(w(f"{kind}Reference")):
        if reference.get(w("id")) == note_id:
            for ancestor in reference.iterancestors():
                if ancestor.tag == w("p"):
                    return outside_text_boxes(ancestor)
    return None


def first_paragraph_using(body, relationship_ids: set[str]):
    """The first paragraph with text of the first section whose header or footer is one of ``relationship_ids``.

    A section ends with the paragraph that holds its w:sectPr (the last section with the body's own).
    Falls back to the first paragraph with text in the body.
    """
    first_in_section = None
    first_anywhere = None
    for child in body:
        if child.tag == w("sectPr"):
            if _uses(child, relationship_ids):
                return first_in_section if first_in_section is not None else first_anywhere
            continue
        for p in child.iter(w("p")):
            if own_text(p):
                if first_in_section is None:
                    first_in_section = outside_text_boxes(p)
                if first_anywhere is None:
                    first_anywhere = first_in_section
                break
        breaks = child.findall(f"{w('pPr')}/{w('sectPr')}") if child.tag == w("p") else []
        if breaks:
            if _uses(breaks[0], relationship_ids) and first_in_section is not None:
                return first_in_section
            first_in_section = None
    return first_anywhere


def _uses(sect_pr, relationship_ids: set[str]) -> bool:
    refs = [*sect_pr.iter(w("headerReference")), *sect_pr.iter(w("footerReference"))]
    return any(ref.get(f"{{{R_NS}}}id") in relationship_ids for ref in refs)


def first_text_paragraph(body):
    """The first paragraph with text in the body (outside text boxes), else the first paragraph, else None."""
    fallback = None
    for p in body.iter(w("p")):
        if fallback is None:
            fallback = outside_text_boxes(p)
        if own_text(p):
            return outside_text_boxes(p)
    return fallback


# Word's own comment styles, added when a document has none, so comments look as Word draws them.
_COMMENT_STYLES = (
    ("CommentText", "paragraph", "annotation text", '<w:pPr><w:spacing w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr>'),
    ("CommentReference", "character", "annotation reference", '<w:rPr><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr>'),
)


def ensure_comment_styles(styles_root) -> None:
    """Add Word's comment text and comment reference styles to a styles part that lacks them."""
    have = {s.get(w("styleId")) for s in styles_root.findall(w("style"))}
    for style_id, kind, name, look in _COMMENT_STYLES:
        if style_id in have:
            continue
        based = '<w:basedOn w:val="Normal"/>' if kind == "paragraph" and "Normal" in have else ""
        based = based or ('<w:basedOn w:val="DefaultParagraphFont"/>' if kind == "character" and "DefaultParagraphFont" in have else "")
        xml = (
            f'<w:style xmlns:w="{W_NS}" w:type="{kind}" w:styleId="{style_id}">'
            f'<w:name w:val="{name}"/>{based}<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>{look}</w:style>'
        )
        styles_root.append(etree.fromstring(xml))
