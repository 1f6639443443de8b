"""Add the safeguarding schedule to an existing contract without changing anything else in it.

The schedule is built in the host's own styles (its heading and body styles where they exist),
with numbering of its own so the host's clause numbers do not move, and joined to the host with
docxcompose, which carries styles, numbering, images and bookmarks across safely. The input file
is only read; the result is written to a new file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from msp_docs import _ooxml
from msp_docs.errors import DocumentError, OptionError, ScheduleAlreadyPresentError

SCHEDULE_MARK = "mspdocs_schedule_"


@dataclass(frozen=True)
class HostStyles:
    """The host contract's styles the schedule should wear."""

    title: str | None
    heading: str | None
    subheading: str | None
    body: str | None
    bullet: str | None
    table: str | None
    body_size: str | None = None  # half-points, when the host sets its body text size by hand
    body_font: str | None = None  # font name, when the host sets its body font by hand


@dataclass(frozen=True)
class Heading:
    """A heading found in the host: its text, outline level and body position."""

    text: str
    level: int
    index: int


@dataclass(frozen=True)
class ComposeResult:
    """What add-clauses did."""

    data: bytes
    inserted_after: str | None
    replaced: bool
    clauses: int
    uncovered: tuple[str, ...]


def schedule_mark(service: str) -> str:
    """The bookmark name that wraps a whole inserted schedule (at most 40 characters)."""
    name = SCHEDULE_MARK + service.replace("-", "_")
    if len(name) > 40:
        name = SCHEDULE_MARK + hashlib.sha256(service.encode()).hexdigest()[:16]
    return name


def _norm(text: str) -> str:
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    return " ".join(text.split()).casefold()


def _strip_number(text: str) -> str:
    """'4.2 Termination' -> 'Termination'; typed clause numbers are not part of a heading's name."""
    return re.sub(r"^(?:\d+(?:\.\d+)*\.?|[A-Z]\.|\([a-z0-9]+\))\s+", "", text)


def _paragraph_text(p) -> str:
    """Visible text of a body paragraph: insertions count, deletions do not."""
    out = []
    for node in p.iter(_ooxml.w("t"), _ooxml.w("tab")):
        inside_deleted = any(a.tag in (_ooxml.w("del"), _ooxml.w("moveFrom")) for a in node.iterancestors())
        if inside_deleted:
            continue
        out.append(" " if node.tag == _ooxml.w("tab") else (node.text or ""))
    return " ".join("".join(out).split())


def _style_of(p) -> str | None:
    style = p.find(f"{_ooxml.w('pPr')}/{_ooxml.w('pStyle')}")
    return style.get(_ooxml.w("val")) if style is not None else None


def _heading_levels(document) -> dict[str, int]:
    """Style id -> outline level for the host's heading styles (see _ooxml.outline_levels)."""
    return _ooxml.outline_levels(document.styles.element)


def _outline_level(element) -> int | None:
    return _ooxml.outline_level(element)


def host_headings(document) -> list[Heading]:
    """The headings of the host's body, in order, with their levels."""
    levels = _heading_levels(document)
    out = []
    for index, child in enumerate(document.element.body):
        if child.tag != _ooxml.w("p"):
            continue
        level = levels.get(_style_of(child) or "")
        outline = _outline_level(child)
        if outline is not None:
            level = outline  # the paragraph's own outline level wins; 0 is body text
        if level:
            text = _paragraph_text(child)
            if text:
                out.append(Heading(text, level, index))
    return out


def _find_insertion(document, after: str | None) -> tuple[int, Heading | None]:
    """Body index to insert at: after the section that starts with heading ``after``, or the end."""
    body = document.element.body
    end = len(body)
    if len(body) and body[-1].tag == _ooxml.w("sectPr"):
        end -= 1
    if not after:
        return end, None
    headings = host_headings(document)
    wanted = _norm(after)
    match = next((h for h in headings if _norm(h.text) == wanted), None)
    if match is None:
        match = next((h for h in headings if _norm(_strip_number(h.text)) == _norm(_strip_number(after))), None)
    if match is None:
        # Lawyers often style headings by hand: accept a whole paragraph with exactly that text.
        # Its section runs to the next paragraph that looks the same (style, list level, bold) or
        # the next top-level heading. Matching on the style alone ended the section at the very
        # next Normal paragraph, putting the schedule between a heading and its text.
        for index, child in enumerate(body):
            if child.tag == _ooxml.w("p") and _norm(_paragraph_text(child)) == wanted:
                anchor = Heading(_paragraph_text(child), 1, index)
                looks = _hand_heading_look(child)
                stop = next((h.index for h in headings if h.index > index and h.level == 1), end)
                for later in range(index + 1, stop):
                    node = body[later]
                    if node.tag == _ooxml.w("p") and _paragraph_text(node) and _hand_heading_look(node) == looks:
                        return later, anchor
                return stop, anchor
        titles = heading_choices(document)
        listing = "\n".join(f"  {'  ' * (min(h.level, 4) - 1)}{h.text}" for h in titles[:80]) or "  (the document has no headings)"
        more = f"\n  ... and {len(titles) - 80} more" if len(titles) > 80 else ""
        raise OptionError(f'--after: there is no heading "{after}" in the contract. Its headings are:\n{listing}{more}')
    for heading in headings:
        if heading.index > match.index and heading.level <= match.level:
            return heading.index, match
    return end, match


def heading_choices(document) -> list[Heading]:
    """The headings a person would pick to insert after: heading-like ones (short, no full stop).

    Numbered clauses are often styled as headings, so long ones are left out; a contract with
    no heading styles at all gives the paragraphs typed as headings (bold throughout, short).
    """
    titles = [h for h in host_headings(document) if len(h.text) <= 90 and not h.text.endswith((".", ":", ";"))]
    if not titles:
        titles = [
            Heading(_paragraph_text(child), 1, index)
            for index, child in enumerate(document.element.body)
            if child.tag == _ooxml.w("p") and _hand_heading_look(child)[3] and _looks_like_heading(_paragraph_text(child)) and _paragraph_text(child)
        ]
    return titles


def contract_headings(contract: str | os.PathLike) -> list[Heading]:
    """The headings of a contract that ``--after`` accepts, with the same refusals as add_schedule."""
    return heading_choices(_open_contract(contract))


def _hand_heading_look(p) -> tuple:
    """What a hand-made heading shares with its siblings: style, list and level, and bold on every run."""
    ppr = p.find(_ooxml.w("pPr"))
    num = ppr.find(_ooxml.w("numPr")) if ppr is not None else None
    num_id = num.find(_ooxml.w("numId")) if num is not None else None
    ilvl = num.find(_ooxml.w("ilvl")) if num is not None else None
    runs = [r for r in p.iter(_ooxml.w("r")) if "".join(t.text or "" for t in r.iter(_ooxml.w("t"))).strip()]

    def bold(run) -> bool:
        b = run.find(f"{_ooxml.w('rPr')}/{_ooxml.w('b')}")
        return b is not None and b.get(_ooxml.w("val")) not in ("0", "false", "off")

    return (
        _style_of(p),
        num_id.get(_ooxml.w("val")) if num_id is not None else None,
        ilvl.get(_ooxml.w("val")) if ilvl is not None else None,
        bool(runs) and all(bold(r) for r in runs),
    )


def _looks_like_heading(text: str) -> bool:
    """Short and not a sentence: how a heading reads, whatever style it wears."""
    return len(text) <= 90 and not text.rstrip().endswith((".", ";", ":", ","))


def _host_styles(document, title_style: str | None) -> HostStyles:
    """Choose the host styles for the schedule title, clause headings, body text, bullets and tables.

    Heading styles count only where the host uses them for headings: many contracts number their
    clause sentences with a heading style ("1.1 The Contractor shall ..." in Heading 2), and
    schedule clause titles in that style read as body text.
    """
    levels = _heading_levels(document)
    ids = {s.get(_ooxml.w("styleId")) for s in document.styles.element.findall(_ooxml.w("style"))}
    body = document.element.body
    used = Counter()
    heading_texts: dict[str, list[str]] = {}
    for child in body:
        if child.tag != _ooxml.w("p"):
            continue
        style = _style_of(child) or "Normal"
        text = _paragraph_text(child)
        if style in levels and _outline_level(child) != 0:
            if text:
                heading_texts.setdefault(style, []).append(text)
        elif text:
            used[style] += 1
    heading_like = {
        style: texts for style, texts in heading_texts.items() if sum(map(_looks_like_heading, texts)) > len(texts) / 2
    }
    by_level: dict[int, Counter] = {}
    for style, texts in heading_like.items():
        by_level.setdefault(levels[style], Counter())[style] = len(texts)

    # The title looks like the host's other schedules where it has some, else like the top-level
    # heading it follows, else like the host's top-level headings: a schedule is a top-level part
    # even when it follows a sub-section (the CCS call-off schedules have one centred title style
    # and clause headings under it).
    schedules = Counter(
        style for style, texts in heading_like.items() for text in texts if re.match(r"(schedule|annex|appendix)\b", _strip_number(text), re.I)
    )
    if schedules:
        title = schedules.most_common(1)[0][0]
    elif title_style is not None and levels.get(title_style) == 1:
        title = title_style
    elif by_level.get(1):
        title = by_level[1].most_common(1)[0][0]
    else:
        title = title_style
    heading = None
    for level in (2, 1, 3):
        candidates = Counter({style: n for style, n in by_level.get(level, Counter()).items() if style != title})
        if candidates:
            heading = candidates.most_common(1)[0][0]
            break
    heading = heading or title
    # Headings inside a clause: a heading style the host uses below its clause headings, if any.
    subheading = None
    for level in sorted(lv for lv in by_level if heading is not None and lv > levels.get(heading, 9)):
        candidates = Counter({style: n for style, n in by_level[level].items() if style not in (title, heading)})
        if candidates:
            subheading = candidates.most_common(1)[0][0]
            break
    # Body text: the host's most used paragraph style that does not number itself (a numbered
    # clause style would drag the host's numbering into the schedule), else Normal.
    numbered_styles = {
        s.get(_ooxml.w("styleId"))
        for s in document.styles.element.findall(_ooxml.w("style"))
        if s.find(f"{_ooxml.w('pPr')}/{_ooxml.w('numPr')}/{_ooxml.w('numId')}") is not None
    }
    body_style = next((style for style, _n in used.most_common() if style not in numbered_styles and (style in ids or style == "Normal")), None)
    if body_style is None:
        # No body text outside tables (a form, a procedure in tables): the host's default
        # paragraph style, not the msp-docs template's look.
        body_style = next(
            (
                s.get(_ooxml.w("styleId"))
                for s in document.styles.element.findall(_ooxml.w("style"))
                if s.get(_ooxml.w("type")) == "paragraph" and s.get(_ooxml.w("default")) in ("1", "true", "on")
            ),
            None,
        )
    bullet = "ListBullet" if "ListBullet" in ids else None
    tables = Counter(
        s.get(_ooxml.w("val")) for s in body.iter(_ooxml.w("tblStyle"))
    )
    table = tables.most_common(1)[0][0] if tables else ("TableGrid" if "TableGrid" in ids else None)
    size, font = _direct_body_look(document, body_style)
    return HostStyles(title=title, heading=heading, subheading=subheading, body=body_style, bullet=bullet, table=table, body_size=size, body_font=font)


def _direct_body_look(document, body_style: str | None) -> tuple[str | None, str | None]:
    """The font size and font the host sets by hand on most of its body text, if it does.

    Lawyers' templates often format clause text directly (10 pt Arial on Normal paragraphs) rather
    than through the style; without this the schedule would look larger and foreign.
    """
    sizes: Counter = Counter()
    fonts: Counter = Counter()
    total = 0
    for child in document.element.body:
        if child.tag != _ooxml.w("p") or (_style_of(child) or "Normal") != (body_style or "Normal"):
            continue
        for run in child.iter(_ooxml.w("r")):
            text = "".join(t.text or "" for t in run.iter(_ooxml.w("t")))
            if not text.strip():
                continue
            total += len(text)
            size = run.find(f"{_ooxml.w('rPr')}/{_ooxml.w('sz')}")
            if size is not None:
                sizes[size.get(_ooxml.w("val"))] += len(text)
            fonts_el = run.find(f"{_ooxml.w('rPr')}/{_ooxml.w('rFonts')}")
            if fonts_el is not None and fonts_el.get(_ooxml.w("ascii")):
                fonts[fonts_el.get(_ooxml.w("ascii"))] += len(text)
    if not total:
        return None, None
    size = next((v for v, n in sizes.most_common(1) if n >= 0.6 * total), None)
    font = next((v for v, n in fonts.most_common(1) if n >= 0.6 * total), None)
    return size, font


def existing_schedule(document, service: str) -> tuple[int, int] | None:
    """Body index range (start, end inclusive) of a schedule msp-docs inserted before, if any."""
    body = document.element.body
    name = schedule_mark(service)
    start_id = None
    start_index = None
    for index, child in enumerate(body):
        for mark in child.iter(_ooxml.w("bookmarkStart")):
            if mark.get(_ooxml.w("name")) == name:
                start_id, start_index = mark.get(_ooxml.w("id")), index
        if start_id is not None:
            for mark in child.iter(_ooxml.w("bookmarkEnd")):
                if mark.get(_ooxml.w("id")) == start_id:
                    return start_index, index
    if start_index is not None:
        return start_index, start_index
    return None


def add_schedule(
    contract: str | os.PathLike,
    *,
    profile_path: str | os.PathLike,
    service: str,
    after: str | None = None,
    title: str | None = None,
    replace: bool = False,
    date: dt.date | None = None,
) -> ComposeResult:
    """Return the contract's bytes with the safeguarding schedule inserted (the file is not touched)."""
    from msp_docs.extract import sniff
    from msp_docs.plan import documents_for, plan_document
    from msp_docs.profile import load_profile
    from msp_docs.render import render_schedule

    _refuse_non_docx(contract, sniff(contract))
    profile = load_profile(profile_path)
    if service not in profile.services():
        known = ", ".join(profile.services()) or "none"
        raise OptionError(f"--service: '{service}' is not a contracted service in {profile.path}; its services are: {known}")
    spec = next(s for s in documents_for(profile, [f"contract-{service}"]))
    host = _open_contract(contract, checked=True)

    body = host.element.body
    present = existing_schedule(host, service)
    replaced = False
    carried = []  # section breaks the schedule must end with
    if present is not None:
        if not replace:
            raise ScheduleAlreadyPresentError(
                f"{Path(contract).name} already contains the {spec.service_title.lower()} safeguarding schedule; nothing was written. Use --replace to swap it for a freshly generated one"
            )
        start, end = present
        title_style = _style_of(body[start]) if body[start].tag == _ooxml.w("p") else None
        for _ in range(end - start + 1):
            old = body[start]
            # A section break the old schedule ended with belongs to the host: the new one ends with it.
            carried.extend(old.findall(f"{_ooxml.w('pPr')}/{_ooxml.w('sectPr')}") if old.tag == _ooxml.w("p") else [])
            body.remove(old)
        index, anchor = start, None
        replaced = True
    else:
        index, anchor = _find_insertion(host, after)
        title_style = _style_of(body[anchor.index]) if anchor is not None else None
        section_break = _section_break_before(body, index) if anchor is not None else None
        # After a section that ends with a Word section break, the schedule joins that section
        # (as if typed at its end) so the next section still starts at the next heading; unless
        # that section is landscape (a pricing table) and the next is not.
        if section_break is not None and not (_landscape(section_break) and not _landscape(_next_section(body, index))):
            carried.append(section_break)

    styles = _host_styles(host, title_style)
    plan = plan_document(profile, spec, date)
    schedule_title = title or f"Schedule - Safeguarding ({spec.service_title})"
    schedule = render_schedule(plan, title=schedule_title, host_styles=styles, mark=schedule_mark(service))
    inserted = [child for child in schedule.document.element.body if child.tag != _ooxml.w("sectPr")]
    _shift_bookmark_ids(schedule.document.element.body, _max_bookmark_id(host) + 1)
    _composer(host).insert(index, schedule.document)
    last = body[index + len(inserted) - 1]
    for section_break in carried:
        last = _end_section_with(last, section_break)
    # msp-docs check reads the kind of document from here: the result is a contract with a schedule.
    from docxcompose.properties import CustomProperties

    _ooxml.restore_core_properties_prefix()
    CustomProperties(host)["msp-docs.baseline"] = spec.baseline
    buffer = io.BytesIO()
    host.save(buffer)
    return ComposeResult(
        data=buffer.getvalue(),
        inserted_after=anchor.text if anchor else None,
        replaced=replaced,
        clauses=len(plan.clauses),
        uncovered=plan.uncovered,
    )


def _refuse_non_docx(contract, kind: str) -> None:
    if kind == "docm":
        raise DocumentError(f"{Path(contract).name} is a macro-enabled document (.docm); msp-docs never opens macros. Save a copy as .docx (macros removed) and add the schedule to that")
    if kind != "docx":
        raise DocumentError(
            f"{Path(contract).name} is not a Word document (.docx); add-clauses needs the contract as a .docx. "
            "Open the contract in Word (or LibreOffice) and save it as .docx, then add the schedule to that"
        )


def _open_contract(contract: str | os.PathLike, *, checked: bool = False):
    """The contract as a python-docx Document, after the safety checks (zip bombs, hostile names, macros)."""
    import docx

    if not checked:
        from msp_docs.extract import sniff

        _refuse_non_docx(contract, sniff(contract))
    raw = Path(contract).read_bytes()
    with _ooxml.open_package(io.BytesIO(raw), name=Path(contract).name):
        pass  # the same safety checks as for checking: zip bombs, hostile names
    try:
        return docx.Document(io.BytesIO(raw))
    except Exception as err:  # python-docx raises several kinds for a broken package
        if "depth" in str(err).lower():
            raise DocumentError(
                f"{Path(contract).name} has tables (or other parts) nested too deeply to edit safely, more than 256 levels; "
                "open it in Word, simplify the nested tables, save it and add the schedule to that"
            ) from None
        raise DocumentError(
            f"{Path(contract).name} cannot be opened as a Word document ({type(err).__name__}: {err}); "
            "open it in Word, use Open and Repair, save it again and add the schedule to that"
        ) from None


def _composer(host):
    """docxcompose's Composer for the host, leaving the host's bookmarks and list numbering alone.

    docxcompose renumbers every bookmark start and every end in the body afresh, each in document
    order, which re-pairs nested bookmarks: host bookmarks (the targets of REF fields) ended in
    the wrong place and the schedule's clause markers spilled into each other, so --replace cut
    the wrong range. The schedule's ids are made unique before the join instead. Its
    "restart numbering" gave the first clause paragraph a list of its own; the schedule's list
    already starts at 1.
    """
    from docxcompose.composer import Composer

    _ooxml.restore_core_properties_prefix()

    class KeepBookmarks(Composer):
        def renumber_bookmarks(self) -> None:
            return None

    composer = KeepBookmarks(host)
    composer.restart_numbering = False
    return composer


def _max_bookmark_id(document) -> int:
    """The largest bookmark id in any part of a python-docx document (body, headers, notes, comments)."""
    parts = [part for part in document.part.package.iter_parts() if getattr(part, "element", None) is not None]
    return max((_ooxml.max_bookmark_id(part.element) for part in parts), default=0)


def _shift_bookmark_ids(element, offset: int) -> None:
    for mark in element.iter(_ooxml.w("bookmarkStart"), _ooxml.w("bookmarkEnd")):
        mark.set(_ooxml.w("id"), str(int(mark.get(_ooxml.w("id"))) + offset))


def _section_break_before(body, index: int):
    """The w:sectPr of the paragraph just before body position ``index``, if a Word section ends there."""
    if index == 0 or body[index - 1].tag != _ooxml.w("p"):
        return None
    return body[index - 1].find(f"{_ooxml.w('pPr')}/{_ooxml.w('sectPr')}")


def _next_section(body, index: int):
    """The w:sectPr of the Word section that body position ``index`` falls in."""
    for child in body[index:]:
        if child.tag == _ooxml.w("sectPr"):
            return child
        if child.tag == _ooxml.w("p") and child.find(f"{_ooxml.w('pPr')}/{_ooxml.w('sectPr')}") is not None:
            return child.find(f"{_ooxml.w('pPr')}/{_ooxml.w('sectPr')}")
    return None


def _landscape(sect_pr) -> bool:
    size = sect_pr.find(_ooxml.w("pgSz")) if sect_pr is not None else None
    if size is None:
        return False
    if size.get(_ooxml.w("orient")) == "landscape":
        return True
    try:
        return int(size.get(_ooxml.w("w"))) > int(size.get(_ooxml.w("h")))
    except (TypeError, ValueError):
        return False


def _end_section_with(last, sect_pr):
    """Move ``sect_pr`` to the end of body element ``last`` (a new empty paragraph after a table); return the paragraph."""
    if last.tag != _ooxml.w("p") or last.find(f"{_ooxml.w('pPr')}/{_ooxml.w('sectPr')}") is not None:
        paragraph = _ooxml.paragraph(None)
        last.addnext(paragraph)
        last = paragraph
    ppr = last.find(_ooxml.w("pPr"))
    if ppr is None:
        ppr = last.makeelement(_ooxml.w("pPr"), {})
        last.insert(0, ppr)
    change = ppr.find(_ooxml.w("pPrChange"))
    if change is not None:
        change.addprevious(sect_pr)  # schema order: sectPr comes before pPrChange
    else:
        ppr.append(sect_pr)
    return last
