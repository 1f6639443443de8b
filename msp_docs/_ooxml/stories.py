"""Reading a story of a Word file (the body, headers, footers, notes) as passages, streaming, in bounded memory."""

from __future__ import annotations

from lxml import etree

from msp_docs._ooxml.bookmarks import MARKER_PREFIX
from msp_docs._ooxml.namespaces import MC_NS, w
from msp_docs._ooxml.safety import _UNSAFE, _declares_dtd


def story_passages(package, kind: str, part: str, heading_levels: dict[str, int], counter: list[int]):
    """Stream the paragraphs of a story part as Passage objects (see msp_docs.passage)."""
    from msp_docs.errors import DocumentError, UnsafeDocumentError
    from msp_docs.passage import MAX_PASSAGE_CHARS, Passage

    stream = package.open(part)
    try:
        head = stream.peek(65536)[:65536]
    except Exception:
        head = b""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        stream.close()
        raise UnsafeDocumentError(f"{package.file}: {part} declares a DTD or entities, which Word never writes (an entity-expansion or external-entity attack): {_UNSAFE}")
    tags_t, tags_tab, tags_br = w("t"), w("tab"), w("br")
    tag_p, tag_tbl, tag_txbx = w("p"), w("tbl"), w("txbxContent")
    tag_tr = w("tr")
    tag_del, tag_move_from = w("del"), w("moveFrom")
    tag_style, tag_outline = w("pStyle"), w("outlineLvl")
    tag_bm_start, tag_bm_end = w("bookmarkStart"), w("bookmarkEnd")
    tag_fallback = f"{{{MC_NS}}}Fallback"
    tag_body = w("body")
    stack: list[dict] = []
    deleted = fallback = tables = boxes = table_seq = row_seq = 0
    open_markers: dict[str, str] = {}  # bookmark id -> name, for msp markers open now
    opened: dict[str, int] = {}  # marker name -> sequence number of its first start
    headings: list[tuple[int, str]] = []
    label = "table" if kind == "body" else kind
    first = True
    paragraphs_seen = 0  # every w:p started so far: the position a later reader finds it at
    try:
        for event, elem in etree.iterparse(stream, events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True):
            tag = elem.tag
            if first:
                # The parser has read the whole prolog by now, in whatever encoding: a DOCTYPE
                # hidden from the byte check above (UTF-16, a long comment first) shows here.
                first = False
                if _declares_dtd(elem):
                    raise UnsafeDocumentError(f"{package.file}: {part} declares a DTD or entities, which Word never writes (an entity-expansion or external-entity attack): {_UNSAFE}")
            if event == "start":
                if tag == tag_p:
                    stack.append({"text": [], "style": None, "outline": None, "markers": [], "table": tables > 0, "box": boxes > 0, "position": paragraphs_seen, "table_id": table_seq if tables else None, "row_id": row_seq if tables else None})
                    paragraphs_seen += 1
                elif tag == tag_tbl:
                    if not tables:
                        table_seq += 1
                    tables += 1
                elif tag == tag_tr and tables == 1:
                    row_seq += 1
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
                            passage = Passage(text[:MAX_PASSAGE_CHARS], counter[0], tuple(h for _, h in headings), part_label, None, level, marker, part, para["position"], para["table_id"], para["row_id"])
                            headings.append((level, text[:200]))
                        else:
                            passage = Passage(text[:MAX_PASSAGE_CHARS], counter[0], tuple(h for _, h in headings), part_label, None, None, marker, part, para["position"], para["table_id"], para["row_id"])
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
                f"{package.file}: {part} is nested too deeply to read safely (for example tables inside tables hundreds of levels deep); "
                "open it in Word, take the content out of the nested tables and save it again"
            ) from None
        if "entit" in lowered or "amplification" in lowered:
            raise UnsafeDocumentError(f"{package.file}: {part} uses entities, which Word never writes (an entity-expansion attack): {_UNSAFE}") from None
        if "huge" in lowered:
            raise UnsafeDocumentError(f"{package.file}: {part} holds a single piece of text too large to read safely: {_UNSAFE}") from None
        raise DocumentError(f"{package.file}: {part} is damaged XML ({message}); open it in Word, use Open and Repair, and save it again") from None
    finally:
        stream.close()
