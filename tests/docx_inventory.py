"""Inventory of a .docx: everything that must survive when new content is inserted.

Test helper only (lxml + zipfile, no python-docx).  It reads the WordprocessingML
directly because python-docx hides things a contract is full of:

* ``Paragraph.text`` skips text inside tracked insertions (``w:ins``);
* block-level content controls (``w:sdt``), text boxes and nested tables are not
  reached through ``Document.paragraphs`` / ``Table.cell().text``;
* merged cells come back once per grid column / row they cover.

Here every paragraph is visited once, in document order, wherever it sits; deleted
text (``w:delText`` and anything inside ``w:del`` / ``w:moveFrom``) is left out; the
``mc:Fallback`` copy of a text box (the VML twin of the DrawingML ``mc:Choice``) is
skipped so its text is not counted twice.

Typical use in a test::

    before = inventory(host)
    run_the_tool(host, out)
    assert_preserved(before, inventory(out))   # AssertionError with a readable diff

``inventory`` returns a plain dict (JSON-serialisable apart from tuples); see its
docstring for the keys.
"""
from __future__ import annotations

import hashlib
import io
import json
import posixpath
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CP_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC_NS = "http://purl.org/dc/elements/1.1/"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"

RT_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_OFFICE_DOCUMENT = RT_BASE + "officeDocument"
# Strict OOXML uses purl.org relationship URIs; match on the last path segment.


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


P, R, T, TBL, TR, TC, SDT = w("p"), w("r"), w("t"), w("tbl"), w("tr"), w("tc"), w("sdt")
PPR, RPR, SECTPR = w("pPr"), w("rPr"), w("sectPr")
INS, DEL, MOVE_FROM, MOVE_TO = w("ins"), w("del"), w("moveFrom"), w("moveTo")
DEL_TEXT, INSTR, DEL_INSTR = w("delText"), w("instrText"), w("delInstrText")
TXBX = w("txbxContent")
FALLBACK = f"{{{MC_NS}}}Fallback"
TRACKED = {INS: "ins", DEL: "del", MOVE_FROM: "moveFrom", MOVE_TO: "moveTo"}
# Containers whose content is not part of the current (accepted) text.
REMOVED = {DEL, MOVE_FROM}
# Property containers: never hold visible text (w:tab inside w:tabs is a tab stop).
PROPS = {PPR, RPR, w("sdtPr"), w("sdtEndPr"), w("tblPr"), w("trPr"), w("tcPr"), w("tblGrid"),
         w("sectPr"), w("tblPrEx"), w("rPrChange"), w("pPrChange")}
PARAGRAPH_MARK = "\u00b6"  # text recorded for a tracked change to a paragraph mark
NOTE_SEPARATOR_TYPES = {"separator", "continuationSeparator", "continuationNotice"}

KEYS = (
    "paragraphs", "tables", "sections", "footnotes", "endnotes", "comments", "tracked_changes",
    "fields", "bookmarks", "images", "drawings", "content_controls", "numbering",
    "num_instances", "styles", "style_digests", "core_properties", "parts",
)
ORDERED_KEYS = {"paragraphs"}
DEFAULT_PARAGRAPH_FIELDS = ("text", "style", "numId", "ilvl")


# ----------------------------------------------------------------------------------
# Package access
# ----------------------------------------------------------------------------------
class _Package:
    """Just enough OPC: content types, relationships and parsed XML parts."""

    def __init__(self, source: str | Path | bytes):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = {"/" + n for n in self.zip.namelist() if not n.endswith("/")}
        self._xml: dict[str, etree._Element] = {}
        ct = self.xml("/[Content_Types].xml")
        self.defaults = {
            e.get("Extension").lower(): e.get("ContentType") for e in ct.iter(f"{{{CT_NS}}}Default")
        }
        self.overrides = {
            e.get("PartName").lower(): e.get("ContentType") for e in ct.iter(f"{{{CT_NS}}}Override")
        }

    def read(self, partname: str) -> bytes:
        return self.zip.read(partname.lstrip("/"))

    def xml(self, partname: str) -> etree._Element:
        if partname not in self._xml:
            parser = etree.XMLParser(resolve_entities=False, huge_tree=True, remove_blank_text=False)
            self._xml[partname] = etree.fromstring(self.read(partname), parser)
        return self._xml[partname]

    def content_type(self, partname: str) -> str | None:
        if partname.lower() in self.overrides:
            return self.overrides[partname.lower()]
        ext = partname.rsplit(".", 1)[-1].lower() if "." in partname else ""
        return self.defaults.get(ext)

    def rels(self, partname: str) -> list[tuple[str, str, str]]:
        """(rId, type-name, target partname) of the internal relationships of a part."""
        folder, base = posixpath.split(partname)
        rels_name = f"{folder}/_rels/{base}.rels" if folder != "/" else f"/_rels/{base}.rels"
        if partname == "/":
            rels_name = "/_rels/.rels"
        if rels_name not in self.names:
            return []
        out = []
        for rel in self.xml(rels_name).iter(f"{{{REL_NS}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            if target.startswith("/"):
                resolved = posixpath.normpath(target)
            else:
                resolved = posixpath.normpath(posixpath.join(folder or "/", target))
            out.append((rel.get("Id"), rel.get("Type").rsplit("/", 1)[-1], resolved))
        return out

    def reachable_parts(self) -> set[str]:
        """Parts reached through relationships from the package root (zip junk such as
        a "[trash]" folder is not part of the document)."""
        seen: set[str] = set()
        todo = ["/"]
        while todo:
            for _rid, _typ, target in self.rels(todo.pop()):
                if target in self.names and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    def main_document(self) -> str:
        for _rid, typ, target in self.rels("/"):
            if typ == "officeDocument":
                return target
        raise ValueError("no officeDocument relationship: not a Word document")


# ----------------------------------------------------------------------------------
# Text extraction
# ----------------------------------------------------------------------------------
def _run_text(el: etree._Element, out: list[str], deleted: bool = False) -> None:
    """Append the visible text under ``el`` (not descending into nested paragraphs).

    With ``deleted=True`` collect the text of removed content instead (w:delText, and
    w:t inside w:moveFrom), for describing tracked deletions.
    """
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):  # comments, processing instructions
            continue
        if tag == P or tag == FALLBACK or tag in PROPS:
            continue
        if tag in REMOVED and not deleted:
            continue
        if tag == T or (deleted and tag == DEL_TEXT):
            out.append(child.text or "")
        elif tag in (w("tab"), w("ptab")):
            out.append("\t")
        elif tag == w("br"):
            if child.get(w("type")) in (None, "textWrapping"):
                out.append("\n")
        elif tag == w("cr"):
            out.append("\n")
        elif tag == w("noBreakHyphen"):
            out.append("-")
        elif tag == w("sym"):
            code = child.get(w("char")) or ""
            try:
                out.append(chr(int(code, 16)))
            except ValueError:
                pass
        else:
            _run_text(child, out, deleted)


def paragraph_text(p: etree._Element) -> str:
    """Visible text of one w:p: insertions included, deletions and nested text boxes excluded."""
    out: list[str] = []
    _run_text(p, out)
    return "".join(out)


def _iter_paragraphs(root: etree._Element, path: tuple[str, ...] = ()) -> Iterator[tuple[etree._Element, tuple[str, ...]]]:
    """Every w:p under ``root`` in document order, with its container path.

    Text-box paragraphs come right after the paragraph that anchors them; the
    ``mc:Fallback`` (VML) copy of a text box is skipped.
    """
    for child in root:
        tag = child.tag
        if not isinstance(tag, str) or tag == FALLBACK:
            continue
        if tag == P:
            yield child, path
            yield from _iter_paragraphs(child, path)
        elif tag == TBL:
            yield from _iter_paragraphs(child, path + ("table",))
        elif tag == TXBX:
            yield from _iter_paragraphs(child, path + ("textbox",))
        elif tag == SDT:
            yield from _iter_paragraphs(child, path + ("content-control",))
        else:
            yield from _iter_paragraphs(child, path)


def _iter_elements(root: etree._Element, tags: set[str]) -> Iterator[etree._Element]:
    """Elements with one of ``tags`` in document order, skipping mc:Fallback subtrees."""
    for child in root:
        if not isinstance(child.tag, str) or child.tag == FALLBACK:
            continue
        if child.tag in tags:
            yield child
        yield from _iter_elements(child, tags)


def story_text(root: etree._Element) -> str:
    """All paragraph texts of a story part (header, footer, note, comment) joined by newlines."""
    return "\n".join(paragraph_text(p) for p, _ in _iter_paragraphs(root))


def _val(el: etree._Element | None, attr: str = "val") -> str | None:
    return None if el is None else el.get(w(attr))


def _int(value: str | None) -> int | None:
    try:
        return None if value is None else int(value)
    except ValueError:
        return None


# ----------------------------------------------------------------------------------
# Inventory
# ----------------------------------------------------------------------------------
def inventory(source: str | Path | bytes) -> dict[str, Any]:
    """List what a .docx contains that must survive an insertion.

    ``source`` is a path or the bytes of a .docx.  Keys of the returned dict:

    ``paragraphs``
        One dict per body paragraph in document order (tables, nested tables, text
        boxes and content controls included): ``text`` (visible text: tracked
        insertions in, ``w:delText`` out), ``style`` (paragraph style id or None),
        ``numId``/``ilvl`` (effective numbering: direct ``w:numPr`` or inherited from
        the style chain; ``numId`` 0 means numbering switched off), ``num_source``
        ("direct", "style" or None) and ``in`` (container path, e.g. "table/table",
        "textbox", "content-control"; "" for the body).
    ``tables``
        One dict per table, nested ones included, in document order: ``rows``,
        ``cols`` (grid columns), ``depth`` (0 = top level), ``header_rows``
        (``w:tblHeader``), ``grid_spans`` (cells with gridSpan > 1), ``v_merge_restart``
        / ``v_merge_continue`` (vMerge cells), ``h_merge``, ``style``, ``first_row``
        (text of the first row's cells joined with " | ").
    ``sections``
        One dict per ``w:sectPr`` in order: ``page`` {w, h, orient}, ``type``,
        ``title_page`` and ``refs`` - (kind, type, text) for each header/footer
        reference, text being the referenced part's text.
    ``footnotes`` / ``endnotes``
        Texts of the real notes (separators left out).
    ``comments``
        {author, date, text} per comment.
    ``tracked_changes``
        (kind, author, date, text) in document order; kind is ins, del, moveFrom or
        moveTo.  A change to a paragraph mark has text "\u00b6"; to a table row "[row]".
    ``fields``
        (story, instruction) for every ``w:fldSimple`` and complex field
        (``w:instrText`` runs), story being body, header, footer, footnotes, endnotes or
        comments; instruction whitespace is normalised.
    ``bookmarks``
        Bookmark names in all stories.
    ``images``
        (part name, sha256) of every image part.
    ``drawings``
        (name, descr) of every ``wp:docPr`` in the body (alt text of images, shapes).
    ``content_controls``
        {story, tag, alias, text} per ``w:sdt``.
    ``numbering``
        One dict per abstractNum: ``abstractNumId``, ``levels`` - (ilvl, numFmt,
        lvlText) - and ``styles`` - (ilvl, pStyle) for levels linked to a style.
    ``num_instances``
        (numId, abstractNumId) per ``w:num``.
    ``styles`` / ``style_digests``
        Style ids, and (style id, sha1 of the canonical style XML) to catch edits.
    ``core_properties``
        (name, value) of the non-empty title, subject, creator, keywords, description.
    ``parts``
        (part name, content type) of every part reachable through relationships.
    ``counts``
        Number of items under each key above (a summary, not compared).
    """
    pkg = _Package(source)
    main = pkg.main_document()
    doc = pkg.xml(main)
    body = doc.find(w("body"))
    if body is None:
        raise ValueError(f"{main} has no w:body")
    rels = pkg.rels(main)
    by_id = {rid: target for rid, _typ, target in rels}
    by_type: dict[str, list[str]] = {}
    for _rid, typ, target in rels:
        by_type.setdefault(typ, []).append(target)

    styles_root = pkg.xml(by_type["styles"][0]) if by_type.get("styles") else None
    style_num = _style_numbering(styles_root)

    inv: dict[str, Any] = {"source": str(source) if not isinstance(source, bytes) else "<bytes>"}
    inv["paragraphs"] = [_paragraph_record(p, path, style_num) for p, path in _iter_paragraphs(body)]
    inv["tables"] = _tables(body)
    inv["sections"] = _sections(body, pkg, by_id)
    inv["footnotes"] = _notes(pkg, by_type.get("footnotes"), "footnote")
    inv["endnotes"] = _notes(pkg, by_type.get("endnotes"), "endnote")
    inv["comments"] = _comments(pkg, by_type.get("comments"))
    inv["tracked_changes"] = _tracked_changes(body)

    stories: list[tuple[str, etree._Element]] = [("body", body)]
    for kind in ("header", "footer", "footnotes", "endnotes", "comments"):
        for target in by_type.get(kind, []):
            if target in pkg.names:
                stories.append((kind, pkg.xml(target)))
    inv["fields"] = [f for story, root in stories for f in _fields(root, story)]
    inv["bookmarks"] = [
        b.get(w("name")) for _story, root in stories
        for b in _iter_elements(root, {w("bookmarkStart")})
    ]
    inv["images"] = sorted(
        (name, hashlib.sha256(pkg.read(name)).hexdigest())
        for name in pkg.names
        if (pkg.content_type(name) or "").startswith("image/")
    )
    inv["drawings"] = [
        (d.get("name"), d.get("descr")) for d in _iter_elements(body, {f"{{{WP_NS}}}docPr"})
    ]
    inv["content_controls"] = [
        _content_control(sdt, story) for story, root in stories for sdt in _iter_elements(root, {SDT})
    ]
    numbering_root = pkg.xml(by_type["numbering"][0]) if by_type.get("numbering") else None
    inv["numbering"], inv["num_instances"] = _numbering(numbering_root)
    inv["styles"], inv["style_digests"] = _styles(styles_root)
    inv["core_properties"] = _core(pkg)
    inv["parts"] = sorted((name, pkg.content_type(name)) for name in pkg.reachable_parts())
    inv["counts"] = {k: len(inv[k]) for k in KEYS}
    return inv


def _style_numbering(styles_root) -> dict[str, tuple[int | None, int | None]]:
    """style id -> (numId, ilvl) after following basedOn; only styles that carry numbering."""
    if styles_root is None:
        return {}
    raw: dict[str, tuple[str | None, int | None, int | None]] = {}
    for st in styles_root.iter(w("style")):
        sid = st.get(w("styleId"))
        num_pr = st.find(f"{PPR}/{w('numPr')}")
        based = _val(st.find(w("basedOn")))
        num_id = ilvl = None
        if num_pr is not None:
            num_id = _int(_val(num_pr.find(w("numId"))))
            ilvl = _int(_val(num_pr.find(w("ilvl"))))
        raw[sid] = (based, num_id, ilvl)
    resolved: dict[str, tuple[int | None, int | None]] = {}
    for sid in raw:
        seen, cur, num_id, ilvl = set(), sid, None, None
        while cur in raw and cur not in seen:
            seen.add(cur)
            based, n, lv = raw[cur]
            if num_id is None and n is not None:
                num_id = n
            if ilvl is None and lv is not None:
                ilvl = lv
            cur = based
        if num_id is not None:
            resolved[sid] = (num_id, ilvl if ilvl is not None else 0)
    return resolved


def _paragraph_record(p, path, style_num) -> dict[str, Any]:
    ppr = p.find(PPR)
    style = _val(ppr.find(w("pStyle"))) if ppr is not None else None
    num_pr = ppr.find(w("numPr")) if ppr is not None else None
    num_id = ilvl = source = None
    if num_pr is not None and num_pr.find(w("numId")) is not None:
        num_id = _int(_val(num_pr.find(w("numId"))))
        ilvl = _int(_val(num_pr.find(w("ilvl"))))
        if ilvl is None and style in style_num:
            ilvl = style_num[style][1]
        ilvl = ilvl if ilvl is not None else 0
        source = "direct"
    elif style in style_num:
        num_id, ilvl = style_num[style]
        if num_pr is not None and num_pr.find(w("ilvl")) is not None:
            ilvl = _int(_val(num_pr.find(w("ilvl"))))
        source = "style"
    return {"text": paragraph_text(p), "style": style, "numId": num_id, "ilvl": ilvl,
            "num_source": source, "in": "/".join(path)}


def _rows(tbl) -> list:
    """w:tr children, also those wrapped in row-level content controls / customXml."""
    return tbl.xpath("./w:tr | ./w:sdt/w:sdtContent/w:tr | ./w:customXml/w:tr", namespaces={"w": W_NS})


def _cells(tr) -> list:
    return tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc | ./w:customXml/w:tc", namespaces={"w": W_NS})


def _tables(body) -> list[dict[str, Any]]:
    out = []
    for tbl in _iter_elements(body, {TBL}):
        depth = sum(1 for a in tbl.iterancestors(TBL))
        rows = _rows(tbl)
        cells = [tc for tr in rows for tc in _cells(tr)]
        spans = [_int(_val(tc.find(f"{w('tcPr')}/{w('gridSpan')}"))) or 1 for tc in cells]
        vmerges = [tc.find(f"{w('tcPr')}/{w('vMerge')}") for tc in cells]
        first = []
        if rows:
            for tc in _cells(rows[0]):
                first.append(" ".join(paragraph_text(p) for p in tc.findall(P)).strip())
        header_rows = 0
        for tr in rows:
            hdr = tr.find(f"{w('trPr')}/{w('tblHeader')}")
            if hdr is not None and _val(hdr) not in ("0", "false", "off"):
                header_rows += 1
        out.append({
            "rows": len(rows),
            "cols": len(tbl.findall(f"{w('tblGrid')}/{w('gridCol')}")),
            "depth": depth,
            "header_rows": header_rows,
            "grid_spans": sum(1 for s in spans if s > 1),
            "v_merge_restart": sum(1 for v in vmerges if v is not None and _val(v) == "restart"),
            "v_merge_continue": sum(1 for v in vmerges if v is not None and _val(v) in (None, "continue")),
            "h_merge": sum(1 for tc in cells if tc.find(f"{w('tcPr')}/{w('hMerge')}") is not None),
            "style": _val(tbl.find(f"{w('tblPr')}/{w('tblStyle')}")),
            "first_row": " | ".join(first),
        })
    return out


def _sections(body, pkg: _Package, by_id: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for sect in _iter_elements(body, {SECTPR}):
        if sect.getparent() is not None and sect.getparent().tag == w("sectPrChange"):
            continue  # the old properties of a tracked section change
        pg = sect.find(w("pgSz"))
        width, height = _int(_val(pg, "w")) if pg is not None else None, _int(_val(pg, "h")) if pg is not None else None
        orient = _val(pg, "orient") if pg is not None else None
        if orient is None and width and height:
            orient = "landscape" if width > height else "portrait"
        refs = []
        for ref in sect:
            if ref.tag in (w("headerReference"), w("footerReference")):
                kind = "header" if ref.tag == w("headerReference") else "footer"
                target = by_id.get(ref.get(f"{{{R_NS}}}id"))
                text = story_text(pkg.xml(target)) if target in pkg.names else None
                refs.append((kind, _val(ref, "type") or "default", text))
        title_pg = sect.find(w("titlePg"))
        out.append({
            "page": {"w": width, "h": height, "orient": orient},
            "type": _val(sect.find(w("type"))) or "nextPage",
            "title_page": title_pg is not None and _val(title_pg) not in ("0", "false", "off"),
            "refs": sorted(refs, key=lambda r: (r[0], r[1])),
        })
    return out


def _notes(pkg: _Package, targets, tag: str) -> list[str]:
    if not targets or targets[0] not in pkg.names:
        return []
    root = pkg.xml(targets[0])
    return [
        story_text(note).strip()
        for note in root.iter(w(tag))
        if _val(note, "type") not in NOTE_SEPARATOR_TYPES
    ]


def _comments(pkg: _Package, targets) -> list[dict[str, Any]]:
    if not targets or targets[0] not in pkg.names:
        return []
    return [
        {"author": c.get(w("author")), "date": c.get(w("date")), "text": story_text(c).strip()}
        for c in pkg.xml(targets[0]).iter(w("comment"))
    ]


def _tracked_changes(body) -> list[tuple[str, str | None, str | None, str]]:
    """Revisions in reading order: a paragraph-mark change is placed at the end of its
    paragraph (after the paragraph's text changes), where the mark is."""
    order = {el: i for i, el in enumerate(body.iter())}
    keyed = []
    for el in _iter_elements(body, set(TRACKED)):
        pos: float = order[el]
        kind = TRACKED[el.tag]
        parent = el.getparent()
        if parent.tag == RPR:
            grand = parent.getparent()
            text = PARAGRAPH_MARK if grand is not None and grand.tag == PPR else ""
            if text == PARAGRAPH_MARK and grand.getparent() is not None:
                para = grand.getparent()
                last = para
                for last in para.iter():
                    pass
                pos = order[last] + 0.5
        elif parent.tag == w("trPr"):
            text = "[row]"
        else:
            parts: list[str] = []
            _run_text(el, parts, deleted=el.tag in REMOVED)
            text = "".join(parts)
        keyed.append((pos, (kind, el.get(w("author")), el.get(w("date")), text)))
    return [item for _pos, item in sorted(keyed, key=lambda k: k[0])]


def _norm(instr: str) -> str:
    return " ".join(instr.split())


def _fields(root, story: str) -> list[tuple[str, str]]:
    """Instructions of simple and complex fields in document order (nested ones too)."""
    out: list[tuple[str, str]] = []
    stack: list[list[str]] = []
    for el in _iter_elements(root, {w("fldSimple"), w("fldChar"), INSTR}):
        if el.tag == w("fldSimple"):
            out.append((story, _norm(el.get(w("instr")) or "")))
        elif el.tag == w("fldChar"):
            kind = el.get(w("fldCharType"))
            if kind == "begin":
                stack.append([])
            elif kind == "end" and stack:
                out.append((story, _norm("".join(stack.pop()))))
        elif el.tag == INSTR and stack:
            # skip instruction text that is itself inside a tracked deletion
            if not any(a.tag in REMOVED for a in el.iterancestors()):
                stack[-1].append(el.text or "")
    return out


def _content_control(sdt, story: str) -> dict[str, Any]:
    pr = sdt.find(w("sdtPr"))
    content = sdt.find(w("sdtContent"))
    if content is None:
        text = ""
    elif content.find(P) is not None or content.find(TBL) is not None:
        text = story_text(content)
    else:
        parts: list[str] = []
        _run_text(content, parts)
        text = "".join(parts)
    return {
        "story": story,
        "tag": _val(pr.find(w("tag"))) if pr is not None else None,
        "alias": _val(pr.find(w("alias"))) if pr is not None else None,
        "text": text,
    }


def _numbering(root) -> tuple[list[dict[str, Any]], list[tuple[int | None, int | None]]]:
    if root is None:
        return [], []
    abstracts = []
    for an in root.iter(w("abstractNum")):
        levels, styles = [], []
        for lvl in an.findall(w("lvl")):
            ilvl = _int(lvl.get(w("ilvl")))
            levels.append((ilvl, _val(lvl.find(w("numFmt"))), _val(lvl.find(w("lvlText")))))
            pstyle = _val(lvl.find(w("pStyle")))
            if pstyle:
                styles.append((ilvl, pstyle))
        abstracts.append({"abstractNumId": _int(an.get(w("abstractNumId"))), "levels": levels,
                          "styles": styles})
    nums = [
        (_int(n.get(w("numId"))), _int(_val(n.find(w("abstractNumId")))))
        for n in root.iter(w("num"))
    ]
    return abstracts, nums


def _styles(root) -> tuple[list[str], list[tuple[str, str]]]:
    if root is None:
        return [], []
    ids, digests = [], []
    for st in root.iter(w("style")):
        sid = st.get(w("styleId"))
        ids.append(sid)
        canon = etree.tostring(st, method="c14n")
        digests.append((sid, hashlib.sha1(canon).hexdigest()))
    return ids, digests


def _core(pkg: _Package) -> list[tuple[str, str]]:
    for _rid, typ, target in pkg.rels("/"):
        if typ == "core-properties" and target in pkg.names:
            root = pkg.xml(target)
            out = []
            for name, tag in (("title", f"{{{DC_NS}}}title"), ("subject", f"{{{DC_NS}}}subject"),
                              ("creator", f"{{{DC_NS}}}creator"), ("keywords", f"{{{CP_NS}}}keywords"),
                              ("description", f"{{{DC_NS}}}description")):
                el = root.find(tag)
                if el is not None and (el.text or "").strip():
                    out.append((name, el.text))
            return out
    return []


# ----------------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------------
def _canon(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False, default=str)


def _short(item: Any, limit: int = 110) -> str:
    if isinstance(item, dict) and "text" in item and "style" in item:
        num = f" num {item.get('numId')}/{item.get('ilvl')}" if item.get("numId") is not None else ""
        text = item["text"]
        text = text if len(text) <= limit else text[: limit - 3] + "..."
        return f"[{item.get('style') or 'no style'}{num}] {text!r}"
    s = _canon(item)
    return s if len(s) <= limit * 2 else s[: limit * 2 - 3] + "..."


def _project(paragraph: dict[str, Any], fields) -> tuple:
    return tuple(paragraph.get(f) for f in fields)


def _ordered_diff(key: str, before: list, after: list, fields) -> list[str]:
    """Items of ``before`` must appear in ``after`` as an ordered subsequence."""
    b_keys = [_project(x, fields) for x in before]
    a_keys = [_project(x, fields) for x in after]
    missing: list[int] = []
    j = 0
    for i, bk in enumerate(b_keys):
        k = j
        while k < len(a_keys) and a_keys[k] != bk:
            k += 1
        if k == len(a_keys):
            missing.append(i)
        else:
            j = k + 1
    if not missing:
        return []
    lines = [f"{key}: {len(missing)} of {len(before)} host paragraphs missing, changed or out of order "
             f"(compared on {', '.join(fields)}):"]
    by_text: dict[str, list[dict]] = {}
    for x in after:
        by_text.setdefault(x.get("text"), []).append(x)
    for i in missing[:25]:
        item = before[i]
        lines.append(f"  - #{i} {_short(item)}")
        same_text = by_text.get(item.get("text"), [])
        if same_text:
            lines.append(f"      text found in output as {_short(same_text[0])}"
                         + (" (later/earlier in the order)" if _project(same_text[0], fields) == b_keys[i] else ""))
    if len(missing) > 25:
        lines.append(f"  ... and {len(missing) - 25} more")
    return lines


def _multiset_diff(key: str, before: list, after: list) -> list[str]:
    """Every item of ``before`` (with multiplicity) must be in ``after``."""
    have = Counter(_canon(x) for x in after)
    lines = []
    for item in before:
        c = _canon(item)
        if have[c] > 0:
            have[c] -= 1
        else:
            lines.append(f"  - {_short(item)}")
    if not lines:
        return []
    head = f"{key}: {len(lines)} of {len(before)} items missing or changed:"
    return [head] + lines[:25] + ([f"  ... and {len(lines) - 25} more"] if len(lines) > 25 else [])


def diff_preserved(before: dict[str, Any], after: dict[str, Any], *,
                   keys: tuple[str, ...] | None = None,
                   paragraph_fields: tuple[str, ...] = DEFAULT_PARAGRAPH_FIELDS) -> list[str]:
    """Lines describing what of ``before`` is missing from ``after`` ([] when all kept).

    ``paragraphs`` are compared as an ordered subsequence on ``paragraph_fields``
    (text, style, numId, ilvl by default; pass ("text",) to compare text only); every
    other key as multiset inclusion (each item of ``before`` present in ``after`` at
    least as many times).  ``keys`` restricts the comparison to some keys.
    """
    lines: list[str] = []
    for key in keys or KEYS:
        b, a = before.get(key, []), after.get(key, [])
        if key in ORDERED_KEYS:
            lines += _ordered_diff(key, b, a, paragraph_fields)
        else:
            lines += _multiset_diff(key, b, a)
    return lines


def assert_preserved(before: dict[str, Any], after: dict[str, Any], **kwargs) -> None:
    """Raise AssertionError with a readable diff unless ``after`` keeps all of ``before``.

    Keyword arguments are passed to :func:`diff_preserved`.
    """
    lines = diff_preserved(before, after, **kwargs)
    if lines:
        src = f"{before.get('source')} -> {after.get('source')}"
        raise AssertionError(f"content of the host document was not preserved ({src}):\n" + "\n".join(lines))


def dump(inv: dict[str, Any]) -> str:
    """The inventory as indented JSON (for debugging a failing test)."""
    return json.dumps(inv, indent=1, ensure_ascii=False, default=str)


if __name__ == "__main__":  # pragma: no cover - debugging aid
    import sys

    for arg in sys.argv[1:]:
        print(dump(inventory(arg)))
