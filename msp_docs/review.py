"""Review a provider's document for a commissioner: a marked-up copy and a letter asking for what is missing.

The document is checked exactly as ``check`` checks it. The marked-up copy is the provider's
Word file with one comment on each passage ``check`` quoted as evidence (every requirement it
supports, with the verdict, and what is still missing for a partial one) and a summary comment
at the start; nothing else in the file changes. The letter, on the commissioner's letterhead,
says what was checked and covered and asks, one theme at a time, for each gap, with a reply form.
The wording of both lives in ``data/review.yaml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from msp_docs import __version__, _ooxml, markup
from msp_docs.catalogue import COVERED, MISSING, PARTIAL, load_catalogue, normalise
from msp_docs.check import CoverageReport, RequirementResult, check_extracted
from msp_docs.clauses import join_and, ukdate
from msp_docs.errors import DocumentError, OptionError, UnsafeDocumentError
from msp_docs.extract import ExtractedDocument, extract
from msp_docs.passage import Passage
from msp_docs.profile import Profile, load_profile

GUIDANCE_URL = "https://www.gov.uk/guidance/care-and-support-statutory-guidance/safeguarding"
REPLY_ROW_HEIGHT = 1134  # twentieths of a point: 2 cm of room to write in each row of the reply form
_NOT_FOUND = re.compile(r"not found: (.+)$")


@lru_cache(maxsize=1)
def wording() -> dict:
    """The words of the comments and the letter (data/review.yaml)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(resources.files("msp_docs").joinpath("data", "review.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ReviewComment:
    """A comment of the marked-up copy: its text, the passage it is about (None for the summary) and where it sits."""

    text: str
    passage: Passage | None
    requirements: tuple[str, ...]
    placed: str  # "in place", "summary", or the passage's part it stands in for: header, footer, footnote, endnote, text box, elsewhere


@dataclass(frozen=True)
class Gap:
    """A required requirement that is not covered, as the letter numbers it, and the theme it is asked for under."""

    number: int
    result: RequirementResult
    theme: str | None


@dataclass(frozen=True)
class Review:
    """What a review produced: the report it rests on, the letter, the marked-up copy (or why there is none)."""

    report: CoverageReport
    letter: bytes
    reviewed: bytes | None
    no_copy: str | None  # pdf, text, docm or too_large when there is no marked-up copy
    comments: tuple[ReviewComment, ...]
    gaps: tuple[Gap, ...]
    provider: str
    provider_source: str
    respond_by: dt.date
    existing_comments: int = 0

    @property
    def no_copy_reason(self) -> str | None:
        """Why there is no marked-up copy, for the person running the review (the letter tells the provider in its own words)."""
        return wording()["no_copy_note"][self.no_copy] if self.no_copy else None


def output_paths(document: str | os.PathLike, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Where the marked-up copy and the letter go: OUT/NAME-reviewed.docx and OUT/NAME-letter.docx."""
    stem = Path(document).stem
    folder = Path(out_dir)
    return folder / f"{stem}-reviewed.docx", folder / f"{stem}-letter.docx"


def review_document(
    path: str | os.PathLike,
    profile: Profile | str | os.PathLike,
    *,
    baseline: str = "auto",
    edition: str = "2017",
    date: dt.date | None = None,
    respond_by: dt.date | None = None,
    to: str | None = None,
    templates_dir: str | os.PathLike | None = None,
    name: str | None = None,
) -> Review:
    """Check a document and write (as bytes) its marked-up copy and the letter; the file is only read.

    ``name`` is the file's name as the provider knows it, for the letter, the report and messages
    (default: the name of ``path``); the web app saves uploads under names it makes up.
    """
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    when = date or dt.date.today()
    settings = profile.data["review"] or {}
    due = respond_by or when + dt.timedelta(days=settings.get("respond_within_days") or 28)
    if due < when:
        raise OptionError(f"--respond-by {due.isoformat()} is before the date of the review ({when.isoformat()}); give a later date")
    raw = Path(path).read_bytes()  # the same bytes for the check and the copy
    document = extract(path)
    if name is not None:
        document = dataclasses.replace(document, path=name)
    report = check_extracted(document, baseline=baseline, edition=edition)
    provider, provider_source = _provider(document, to)
    gaps = _gaps(report)
    people = _people(profile)
    reviewed = None
    no_copy = _why_no_copy(document)
    comments: tuple[ReviewComment, ...] = ()
    existing = 0
    if no_copy is None:
        try:
            reviewed, comments, existing = _mark_up(raw, document, report, profile, people, when, due)
        except UnsafeDocumentError:
            if _refused_when_streamed(raw, document):
                raise
            no_copy = "too_large"  # refused only by the lower limits of loading a package whole
    letter = _letter(document, report, gaps, profile, people, provider, when, due, reviewed_name=output_paths(document.path, ".")[0].name if reviewed else None, no_copy=no_copy, templates_dir=templates_dir)
    return Review(report, letter, reviewed, no_copy, comments, gaps, provider, provider_source, due, existing)


# --------------------------------------------------------------------------- who and what

def _people(profile: Profile) -> dict[str, Any]:
    """Signatory, comment author and contact details, from the profile's review block or its operational lead."""
    data = profile.data
    settings = data["review"] or {}
    lead = data["people"]["operational_lead"]
    signatory = settings.get("signatory") or lead
    reviewer = settings.get("reviewer") or {"name": signatory["name"], "initials": None}
    return {
        "name": signatory["name"],
        "job_title": signatory["job_title"],
        "email": signatory.get("email") or lead["email"],
        "phone": signatory.get("phone") or lead["phone"],
        "reply_to": settings.get("reply_to") or signatory.get("email") or lead["email"],
        "team": settings.get("team"),
        "author": reviewer["name"],
        "initials": reviewer.get("initials") or initials_of(reviewer["name"]),
    }


def initials_of(name: str) -> str:
    """Initials from a name, as Word shows them beside a comment: 'Zoë Clarke-Hall' -> 'ZCH'."""
    letters = [part[0] for part in re.split(r"[\s\-]+", name) if part and part[0].isalpha()]
    return "".join(letters).upper()[:9] or name[:2]


def _provider(document: ExtractedDocument, to: str | None) -> tuple[str, str]:
    """The provider's name and where it came from: --to, the document's title or author, or not known."""
    if to:
        return to, "--to"
    words = wording()["organisation_words"]
    looks = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")

    def organisation(text: str | None) -> str | None:
        text = " ".join((text or "").split())
        return text if text and looks.search(text) and len(text.split()) <= 8 else None

    if document.properties.get("msp-docs.version") and document.author:
        return document.author, "the document's author (made by msp-docs)"
    title = document.title or ""
    pieces = re.split(r"\s*(?::|\s[–—|-]\s)\s*", title)
    for piece in pieces if len(pieces) > 1 else [title]:
        found = organisation(piece)
        if found:
            return found, "the document's title"
    found = organisation(document.author)
    if found:
        return found, "the document's author"
    return wording()["letter"]["unknown_provider"], "not known"


def _why_no_copy(document: ExtractedDocument) -> str | None:
    if document.format == "pdf":
        return "pdf"
    if document.format in ("text", "md"):
        return "text"
    if document.format == "docm":
        return "docm"
    return None


def _refused_when_streamed(raw: bytes, document: ExtractedDocument) -> bool:
    """Whether the streaming reader refuses the package too (then a refusal to load it whole was not only its size)."""
    try:
        with _ooxml.open_package(io.BytesIO(raw), name=Path(document.path).name, whole=False):
            return False
    except UnsafeDocumentError:
        return True


def label(result: RequirementResult) -> str:
    """A requirement as a provider reads it: a theme's title, or 'CSSG 14.15: Making Safeguarding Personal'."""
    if result.kind != "paragraph":
        return result.title
    requirement = load_catalogue().requirements[result.id]
    number = requirement.number or result.id
    edition = " (October 2014 numbering)" if requirement.edition == "2014" else ""
    return f"CSSG {number}{edition}: {result.title}"


def _verdict(status: str) -> str:
    return wording()["verdicts"][status]


def _lack(result: RequirementResult, words: dict) -> str | None:
    """What a partial requirement lacks, in ``words``' phrasing: the concepts not found, or the report's note."""
    missing = _still_missing(result)
    if missing:
        return words["still_missing"].format(missing=missing)
    if result.note:
        note = result.note.split(" (", 1)[0]
        return words["note"].format(note=note[0].upper() + note[1:])
    return None


def _still_missing(result: RequirementResult) -> str | None:
    """What a partial requirement still lacks, from the report's note ('not found: ...')."""
    match = _NOT_FOUND.search(result.note or "")
    return match.group(1) if match else None


# --------------------------------------------------------------------------- evidence and comments

def evidence_places(document: ExtractedDocument, report: CoverageReport) -> list[tuple[Passage, list[RequirementResult]]]:
    """Every passage the report quotes as evidence of a required requirement, with the requirements it supports, in reading order.

    Each piece of evidence names its passage by location (heading, paragraph number); the quote
    is then checked against that passage's text, so a comment never lands on the wrong paragraph.
    """
    by_location = {p.location: p for p in document.passages}
    places: dict[int, tuple[Passage, list[RequirementResult]]] = {}
    for result in report.results:
        if not result.required or result.status == MISSING:
            continue
        for evidence in result.evidence:
            passage = by_location.get(evidence.location)
            if passage is None or not _quote_matches(evidence, passage, document):
                continue
            entry = places.setdefault(passage.index, (passage, []))
            if result not in entry[1]:
                entry[1].append(result)
    return [places[index] for index in sorted(places)]


def _quote_matches(evidence, passage: Passage, document: ExtractedDocument) -> bool:
    quote = evidence.quote
    if evidence.source == "marker":
        # "[Clause title] first words of its body": the passage opens the clause; its body follows.
        body = quote.split("] ", 1)[-1].rstrip("…")
        return passage.marker is not None and any(p.marker == passage.marker and normalise(p.text).startswith(body) for p in document.passages)
    return quote.rstrip("…") in normalise(passage.text)


def comment_text(passage: Passage | None, results: list[RequirementResult], placed: str) -> str:
    """The comment on one evidence passage: what it covers and the verdicts, what partial ones still lack, and where it sits."""
    words = wording()["comments"]
    lines = [words["covers"]]
    for result in results:
        line = words["item"].format(label=label(result), verdict=_verdict(result.status))
        lack = _lack(result, words) if result.status == PARTIAL else None
        lines.append(f"{line}. {lack}" if lack else line)
    if placed not in ("in place", "summary") and passage is not None:
        lines.append(words["moved"][placed].format(quote=_short(passage.text)))
    return "\n".join(lines)


def summary_text(report: CoverageReport, profile: Profile, when: dt.date, due: dt.date) -> str:
    """The summary comment at the start: what was checked, the counts, and every missing and partial requirement by title."""
    words = wording()["comments"]
    s = report.summary
    lines = [
        words["summary_title"].format(organisation=profile.name, date=ukdate(when)),
        words["summary_checked"].format(baseline=wording()["baselines"][report.baseline], required=s["required"], edition=wording()["editions"][report.edition]),
        words["summary_counts"].format(covered=s["covered"], partial=s["partial"], missing=s["missing"]),
    ]
    for status, heading in ((MISSING, "summary_missing"), (PARTIAL, "summary_partial")):
        chosen = [r for r in report.gaps if r.status == status]
        if chosen:
            lines.append(words[heading].format(count=len(chosen)))
            lines.extend(f"\u2022 {label(r)}" for r in chosen)
    lines.append(words["summary_letter"].format(date=ukdate(when), respond_by=ukdate(due)) if report.gaps else words["summary_complete"])
    return "\n".join(lines)


def _short(text: str, limit: int = 90) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut[: cut.rfind(" ")] if " " in cut[limit // 2 :] else cut) + "…"


def _mark_up(raw: bytes, document: ExtractedDocument, report: CoverageReport, profile: Profile, people: dict, when: dt.date, due: dt.date):
    """The provider's file with the comments added; returns (bytes, comments, how many comments it had)."""
    import docx

    name = Path(document.path).name
    with _ooxml.open_package(io.BytesIO(raw), name=name):
        pass  # the checks for a package loaded whole: lower size limits than the streaming reader's
    try:
        word = docx.Document(io.BytesIO(raw))
    except Exception as err:  # python-docx raises several kinds for a broken package
        raise DocumentError(f"{name} cannot be opened to add comments ({type(err).__name__}: {err}); open it in Word, use Open and Repair, save it again and review that") from None
    existing = len(word.comments)
    places = _Places(word)
    body = word.element.body
    start = _ooxml.first_text_paragraph(body)
    if start is None:  # a document with no paragraph at all: give the summary one to sit on
        start = body.makeelement(_ooxml.w("p"), {})
        body.insert(0, start)
    planned: list[tuple[Any, ReviewComment]] = [(start, ReviewComment(summary_text(report, profile, when, due), None, tuple(r.id for r in report.gaps), "summary"))]
    for passage, results in evidence_places(document, report):
        target, placed = places.find(passage)
        if target is None:
            target, placed = start, "elsewhere"
        planned.append((target, ReviewComment(comment_text(passage, results, placed), passage, tuple(r.id for r in results), placed)))
    _ooxml.ensure_comment_styles(word.styles.element)
    stamp = f"{when.isoformat()}T09:00:00Z"
    for target, comment in planned:
        added = word.comments.add_comment(comment.text, author=people["author"], initials=people["initials"])
        _ooxml.set_comment_date(added.part.element, added.comment_id, stamp)
        _ooxml.anchor_paragraph(target, added.comment_id)
    buffer = io.BytesIO()
    word.save(buffer)
    return _ooxml.deterministic_zip(buffer.getvalue(), when), tuple(c for _t, c in planned), existing


class _Places:
    """Finds the paragraph of the python-docx document a passage was read from, by the reader's numbering, checked by text."""

    def __init__(self, word) -> None:
        self.word = word
        self.main = str(word.part.partname).lstrip("/")
        self.body = word.element.body
        self._paragraphs: dict[str, list] = {}

    def paragraphs(self, part_name: str) -> list:
        if part_name not in self._paragraphs:
            root = self.word.element if part_name == self.main else self._part_root(part_name)
            self._paragraphs[part_name] = list(root.iter(_ooxml.w("p"))) if root is not None else []
        return self._paragraphs[part_name]

    def _part_root(self, part_name: str):
        for part in self.word.part.package.iter_parts():
            if str(part.partname).lstrip("/") == part_name:
                element = getattr(part, "element", None)
                return element if element is not None else _ooxml.safe_xml(part.blob)
        return None

    def paragraph(self, passage: Passage):
        """The w:p the passage was read from, or None when its text does not match."""
        if passage.xml_part is None or passage.xml_position is None:
            return None
        paragraphs = self.paragraphs(passage.xml_part)
        if passage.xml_position >= len(paragraphs):
            return None
        p = paragraphs[passage.xml_position]
        return p if _ooxml.own_text(p)[: len(passage.text)] == passage.text else None

    def find(self, passage: Passage):
        """(paragraph of the body to anchor to, how it was placed) for an evidence passage."""
        if passage.part in ("header", "footer"):
            ids = {rid for rid, rel in self.word.part.rels.items() if not rel.is_external and str(rel.target_part.partname).lstrip("/") == passage.xml_part}
            target = _ooxml.first_paragraph_using(self.body, ids) if ids else None
            return target, passage.part
        p = self.paragraph(passage)
        if p is None:
            return None, "elsewhere"
        if passage.part in ("footnote", "endnote"):
            note = _ooxml.note_id_at(p)
            return (_ooxml.note_reference_paragraph(self.body, passage.part, note) if note else None), passage.part
        if _ooxml.in_text_box(p):
            return _ooxml.outside_text_boxes(p), "text box"
        return p, "in place"


# --------------------------------------------------------------------------- the letter

def _gaps(report: CoverageReport) -> tuple[Gap, ...]:
    """The gaps in the letter's order: by theme (catalogue order), each theme's own gap first, then its paragraphs."""
    catalogue = load_catalogue()
    theme_order = {tid: n for n, tid in enumerate(catalogue.themes)}
    worst = {MISSING: 0, PARTIAL: 1, COVERED: 2}
    status = {r.id: r.status for r in report.results}

    def theme_of(result: RequirementResult) -> str | None:
        # A paragraph's gap goes under the least covered of its themes: its request is the one the
        # provider most needs, and paragraph gaps gather under theme gaps instead of covered themes.
        if result.kind == "theme":
            return result.id
        themes = catalogue.requirements[result.id].themes
        return min(themes, key=lambda t: (worst.get(status.get(t, COVERED), 2), theme_order.get(t, len(theme_order)))) if themes else None

    ordered = sorted(report.gaps, key=lambda r: (theme_order.get(theme_of(r), len(theme_order)), r.kind != "theme"))
    return tuple(Gap(n, r, theme_of(r)) for n, r in enumerate(ordered, start=1))


def _p(text: str, bold_start: str | None = None) -> markup.Paragraph:
    runs = ((markup.Run(bold_start, bold=True), markup.Run(" " + text)) if bold_start else (markup.Run(text),))
    return markup.Paragraph(runs, numbered=False)


def _bullet(text: str, index: int) -> markup.ListItem:
    return markup.ListItem(False, 0, (markup.Run(text),), index)


def _guidance(result: RequirementResult, edition: str) -> str:
    """Which guidance paragraphs a gap rests on and how far each number is checked."""
    catalogue = load_catalogue()
    words = wording()
    requirement = catalogue.requirements[result.id]
    if result.kind == "paragraph":
        line = words["letter"]["guidance_paragraph"].format(
            number=requirement.number, edition=words["editions"].get(requirement.edition or "2017", ""), verification=words["verification"][requirement.verification]
        )
        older = [catalogue.requirements[r].number for r in requirement.corresponds_to if r in catalogue.requirements and catalogue.requirements[r].edition == "2014"]
        if edition == "2014" and older:
            line += f" In the October 2014 numbering: {join_and(older)}."
        return line
    numbering = "2014" if edition == "2014" else "2017"
    related = [catalogue.requirements[r] for r in requirement.paragraphs if r in catalogue.requirements]
    related = [r for r in related if (r.edition or "2017") == numbering] or related
    if not related:
        return words["letter"]["guidance_none"]
    by_status: dict[str, list[str]] = {}
    for paragraph in related:
        by_status.setdefault(paragraph.verification, []).append(paragraph.number or paragraph.id)
    pieces = [f"{join_and(numbers)} ({words['verification'][status]})" for status, numbers in by_status.items()]
    key = "guidance_paragraph_one" if len(related) == 1 else "guidance_paragraphs"
    return words["letter"][key].format(paragraphs="; ".join(pieces))


def _letter(document, report, gaps, profile, people, provider, when, due, *, reviewed_name, no_copy, templates_dir) -> bytes:
    """The letter to the provider as .docx bytes, on the letterhead of the commissioner's template."""
    from msp_docs.render import render_letter

    catalogue = load_catalogue()
    words = wording()
    text = words["letter"]
    title = report.title or Path(document.path).name
    filename = Path(document.path).name
    baseline = words["baselines"][report.baseline]
    edition = words["editions"][report.edition]
    s = report.summary
    subject = text["subject"].format(title=title)
    shown_title = title if title == filename else f"{title} ({filename})"
    method = text["method"].format(version=__version__)
    if report.generated_by:
        method += " " + text["made_by_msp"]
        edited = sum(c.status == "modified" for c in report.clauses)
        if edited:
            method += " " + text["edited_clauses"].format(count=edited)
    body: list = [
        markup.Heading(1, (markup.Run(subject),)),
        _p(text["salutation"]),
        _p(text["opening"].format(title=shown_title, baseline=baseline, edition=edition)),
        _p(method),
        _p(text["results"].format(required=s["required"], covered=s["covered"], partial=s["partial"], missing=s["missing"])),
        _p(text["reviewed_copy"].format(reviewed_name=reviewed_name) if reviewed_name else text["no_copy"][no_copy]),
        markup.Heading(2, (markup.Run(text["covered_heading"]),)),
    ]
    covered = [r for r in report.results if r.required and r.status == COVERED]
    themes = [r.title for r in covered if r.kind == "theme"]
    numbers = [catalogue.requirements[r.id].number or r.id for r in covered if r.kind == "paragraph"]
    if themes:
        body.append(_p(text["covered_themes"]))
        body.extend(_bullet(theme, len(gaps) + 1) for theme in themes)
    if numbers:
        body.append(_p(text["covered_paragraph" if len(numbers) == 1 else "covered_paragraphs"].format(numbers=join_and(numbers))))
    if not covered:
        body.append(_p(text["none_covered"]))
    body.append(markup.Heading(2, (markup.Run(text["requests_heading"]),)))
    if gaps:
        body.append(_p(text["requests_intro"].format(guidance_url=GUIDANCE_URL)))
        current = object()
        status_of = {r.id: r.status for r in report.results}
        for list_index, gap in enumerate(gaps):
            if gap.theme != current:
                current = gap.theme
                theme = catalogue.requirements.get(gap.theme) if gap.theme else None
                body.append(markup.Heading(3, (markup.Run(theme.title if theme else label(gap.result)),)))
                if gap.theme and status_of.get(gap.theme) == COVERED:
                    body.append(_p(text["theme_covered"]))
                elif gap.theme in words["requests"]:
                    body.append(_p(words["requests"][gap.theme]))
            result = gap.result
            requirement = catalogue.requirements[result.id]
            found = _lack(result, {"still_missing": text["found_but"], "note": text["note"]}) if result.status == PARTIAL else None
            item = text["item"].format(number=gap.number, label=label(result), status=_verdict(result.status))
            body.append(_p(found, bold_start=item) if found else markup.Paragraph((markup.Run(item, bold=True),), numbered=False))
            summary = " ".join(requirement.summary.split())
            if result.kind == "theme":
                body.append(_bullet(text["look_for"].format(summary=summary[0].lower() + summary[1:]), list_index))
            else:
                body.append(_bullet(text["guidance_says"].format(summary=summary), list_index))
            body.append(_bullet(_guidance(result, report.edition), list_index))
    else:
        body.append(_p(text["no_gaps"]))
    if gaps:
        body.append(markup.Heading(2, (markup.Run(text["reply_heading"]),)))
        body.append(_p(text["reply"].format(respond_by=ukdate(due), reply_to=people["reply_to"])))
    body.append(_p(_contact(people)))
    body.append(_p(text["thanks"]))
    annex: list = []
    if gaps:
        annex.append(_p(text["reply_form_intro"].format(provider=provider[0].upper() + provider[1:], respond_by=ukdate(due))))
        header = tuple(markup.Cell((markup.Run(c),)) for c in text["reply_columns"])
        rows = tuple((markup.Cell((markup.Run(f"{g.number}. {label(g.result)} ({_verdict(g.result.status)})"),)), markup.Cell(()), markup.Cell(())) for g in gaps)
        annex.append(markup.Table(header, rows, widths=(40, 35, 25), row_height=REPLY_ROW_HEIGHT, caption="Reply form"))
    organisation = profile.data["organisation"]
    contact_lines = [line for line in (organisation["phone"], organisation["email"], organisation["website"]) if line]
    context = {
        "organisation": organisation,
        "letter": {
            "date": when,
            "respond_by": due,
            "subject": subject,
            "title": title,
            "team": people["team"],
            "sender_lines": [line for line in organisation["address"].splitlines() if line.strip()],
            "contact_lines": [" \u00b7 ".join(contact_lines)] if contact_lines else [],
            "recipient_lines": [provider[0].upper() + provider[1:]],
            "signatory": {"name": people["name"], "job_title": people["job_title"]},
            "reply_form": bool(gaps),
        },
    }
    return render_letter(context, body, annex, title=subject, author=profile.name, date=when, logo=organisation["logo"], templates_dir=templates_dir, profile_dir=profile.base_dir)


def _contact(people: dict) -> str:
    text = wording()["letter"]
    if people["phone"] and people["email"]:
        return text["contact"].format(name=people["name"], phone=people["phone"], email=people["email"])
    if people["email"]:
        return text["contact_email"].format(name=people["name"], email=people["email"])
    return text["contact_phone"].format(name=people["name"], phone=people["phone"])
