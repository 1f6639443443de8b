"""add-clauses: the safeguarding schedule goes into an existing contract and nothing else changes.

Every result is compared with its host through ``docx_inventory`` (paragraphs in order, tables,
merged cells, sections with headers and footers, notes, comments, tracked changes, fields,
bookmarks, images, content controls, numbering and style definitions) and, more strictly, by
taking the schedule out again: what is left must be the host's paragraph list exactly. Hosts are
the three fixture contracts and every real Word document in ``../shared/real-docx/`` (read in
place, never copied; those tests skip only when the folder is absent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result
from lxml import etree

from msp_docs import _ooxml, markup
from msp_docs.check import check_document
from msp_docs.clauses import render_clause
from msp_docs.cli import cli
from msp_docs.compose import add_schedule
from msp_docs.errors import DocumentError, OptionError, ScheduleAlreadyPresentError
from msp_docs.plan import documents_for, plan_document
from msp_docs.profile import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import REAL_DOCX, require_soffice as _require_soffice  # noqa: E402
from docx_inventory import assert_preserved, inventory  # noqa: E402

HERE = Path(__file__).resolve().parent
CONTRACTS = HERE / "fixtures" / "contracts"
PROFILE = HERE.parent / "profiles" / "kingsmead-st-annes.yaml"
DATE = dt.date(2026, 4, 1)
W = _ooxml.W

REPAIRS = CONTRACTS / "repairs-contract.docx"
GAS = CONTRACTS / "gas-servicing-contract.docx"
BUILDING = CONTRACTS / "building-management-contract.docx"
SERVICE_OF = {REPAIRS: "repairs", GAS: "gas", BUILDING: "building-management"}

REAL = sorted(REAL_DOCX.glob("*.docx")) if REAL_DOCX.is_dir() else []
_no_real = pytest.mark.skip(reason=f"the real Word documents are not here: {REAL_DOCX} is absent (it sits beside the repository)")
real_docs = pytest.mark.parametrize("host", REAL or [pytest.param(None, marks=_no_real)], ids=lambda p: p.stem if p else "absent")


@dataclass(frozen=True)
class Placement:
    """Where a schedule goes in a fixture: after the section of ``after``, so before ``next_heading``."""

    host: Path
    after: str | None
    next_heading: str | None

    @property
    def id(self) -> str:
        return f"{self.host.stem}-{'end' if self.after is None else re.sub(r'[^a-z0-9]+', '-', self.after.lower()).strip('-')}"


# The named sections below each hold a lower-level heading or a section break, so "the next
# heading of the same or higher level" is not simply the next heading.
PLACEMENTS = [
    Placement(REPAIRS, "Schedule 1 - Specification", "Schedule 2 - Pricing"),  # holds Heading 3 "Part A – Scope"
    Placement(REPAIRS, "Termination", "Schedule 1 - Specification"),  # numbered clause 11, target of a REF field
    Placement(GAS, "Schedule 1 - Service Standards", "Schedule 2 - Pricing"),  # ends with a section break before a landscape section
    Placement(BUILDING, "Schedule 2 - Services", "Schedule 3 - Fees"),  # holds Heading 2 "Out of hours"
    Placement(REPAIRS, None, None),
    Placement(GAS, None, None),
    Placement(BUILDING, None, None),
]
placements = pytest.mark.parametrize("placement", PLACEMENTS, ids=lambda p: p.id)
fixture_hosts = pytest.mark.parametrize("host", [REPAIRS, GAS, BUILDING], ids=lambda p: p.stem)


# --------------------------------------------------------------------------- helpers

def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(*args) -> Result:
    # catch_exceptions=False: an exception escaping the command is a defect and fails the test.
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def assert_clean_refusal(result, *fragments: str) -> None:
    """Exit 2, the message says what is wrong, and no traceback or internal error reaches the user."""
    assert result.exit_code == 2, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in the message:\n{result.stderr}"
    assert "Traceback" not in result.output + result.stderr
    assert "internal error" not in result.stderr


def norm(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Expected:
    """What the schedule for a service should contain, worked out from the plan, not from the result."""

    clause_titles: tuple[str, ...]
    numbered: tuple[str, ...]  # clause paragraphs that take a number (1.1, 1.2 ...)
    texts: tuple[str, ...]  # every paragraph's text in order (table cells one by one)
    unique: tuple[str, ...]  # paragraph texts long enough to be counted (once per time the plan has them)
    clause_ids: tuple[str, ...]


@lru_cache(maxsize=None)
def expected(service: str) -> Expected:
    profile = load_profile(PROFILE)
    spec = documents_for(profile, [f"contract-{service}"])[0]
    plan = plan_document(profile, spec, DATE)
    titles, numbered, texts = [], [], []
    for clause in plan.clauses:
        if clause.heading:
            titles.append(clause.title)
            texts.append(clause.title)
        for block in render_clause(clause, plan.context).blocks:
            if isinstance(block, markup.Table):
                for row in (block.header, *block.rows):
                    texts.extend(markup.plain_text(cell.runs) for cell in row)
            else:
                texts.append(markup.plain_text(block.runs))
                if isinstance(block, markup.Paragraph) and block.numbered:
                    numbered.append(markup.plain_text(block.runs))
    unique = tuple(t for t in texts if len(t) >= 40)
    return Expected(tuple(titles), tuple(numbered), tuple(texts), unique, tuple(c.id for c in plan.clauses))


@lru_cache(maxsize=None)
def default_title(service: str) -> str:
    profile = load_profile(PROFILE)
    spec = documents_for(profile, [f"contract-{service}"])[0]
    return f"Schedule - Safeguarding ({spec.service_title})"


@lru_cache(maxsize=None)
def host_inventory(host: Path) -> dict:
    """The inventory of an input file (read once; tests never change their inputs)."""
    return inventory(host)


def key(paragraph: dict) -> tuple:
    return (paragraph["text"], paragraph["style"], paragraph["numId"], paragraph["ilvl"], paragraph["in"])


def schedule_block(before: dict, after: dict, title: str) -> tuple[int, list[dict]]:
    """The schedule's paragraphs in the result, checking that taking them out leaves the host exactly."""
    host, result = before["paragraphs"], after["paragraphs"]
    starts = [i for i, p in enumerate(result) if p["text"] == title]
    assert len(starts) == 1, f"the schedule title {title!r} occurs {len(starts)} times"
    start, count = starts[0], len(result) - len(host)
    assert count > 0
    left = result[:start] + result[start + count :]
    assert [key(p) for p in left] == [key(p) for p in host], "the schedule is not one block, or host paragraphs changed around it"
    return start, result[start : start + count]


def bookmark_spans(data: bytes) -> dict[str, list[str]]:
    """Bookmark name -> the text each of its ranges covers in the body (start to end, by id)."""
    root = _ooxml.safe_xml(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    spans: dict[str, list[str]] = {}
    open_marks: dict[str, tuple[str, int]] = {}
    texts: list[str] = []
    for el in root.iter(W + "t", W + "bookmarkStart", W + "bookmarkEnd"):
        if el.tag == W + "t":
            texts.append(el.text or "")
        elif el.tag == W + "bookmarkStart":
            open_marks[el.get(W + "id")] = (el.get(W + "name"), len(texts))
        elif el.get(W + "id") in open_marks:
            name, first = open_marks.pop(el.get(W + "id"))
            spans.setdefault(name, []).append("".join(texts[first:]))
    for name, _first in open_marks.values():
        spans.setdefault(name, []).append("<never closed>")
    return spans


def assert_bookmarks_kept(host: bytes, result: bytes) -> None:
    """Every host bookmark still covers exactly the text it covered (REF fields and links point at them)."""
    before, after = bookmark_spans(host), bookmark_spans(result)
    changed = {name: (spans, after.get(name)) for name, spans in before.items() if after.get(name) != spans}
    assert not changed, "host bookmarks moved or were cut short:\n" + "\n".join(
        f"  {name}: {old[0][:70]!r} -> {(new or ['<gone>'])[0][:70]!r}" for name, (old, new) in list(changed.items())[:10]
    )


def body_sections(data: bytes) -> list[int]:
    """The Word section (0-based) of each body-level paragraph, in order."""
    root = _ooxml.safe_xml(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    out, section = [], 0
    for child in root.find(W + "body"):
        if child.tag == W + "p":
            out.append(section)
            if child.find(f"{W}pPr/{W}sectPr") is not None:
                section += 1
    return out


def body_paragraph_texts(data: bytes) -> list[str]:
    root = _ooxml.safe_xml(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    from docx_inventory import paragraph_text

    return [paragraph_text(child) for child in root.find(W + "body") if child.tag == W + "p"]


def word_heading_levels(data: bytes) -> dict[str, int]:
    """Style id -> heading level as Word decides it, written here independently of msp-docs.

    A style's own outline level wins (level 9 is body text: Word's "TOC Heading" is based on
    Heading 1 but is not a heading), then a built-in "heading N" name, then the style it is based on.
    """
    styles = docx.Document(io.BytesIO(data)).styles.element
    own: dict[str, int] = {}
    based: dict[str, str] = {}
    for style in styles.findall(W + "style"):
        if style.get(W + "type") != "paragraph":
            continue
        sid = style.get(W + "styleId")
        outline = style.find(f"{W}pPr/{W}outlineLvl")
        name = style.find(W + "name").get(W + "val") if style.find(W + "name") is not None else ""
        if outline is not None:
            own[sid] = int(outline.get(W + "val")) + 1 if int(outline.get(W + "val")) < 9 else 0
        elif re.fullmatch(r"heading [1-9]", name.lower()):
            own[sid] = int(name[-1])
        if style.find(W + "basedOn") is not None:
            based[sid] = style.find(W + "basedOn").get(W + "val")
    levels = {}
    for sid in set(own) | set(based):
        current, seen = sid, set()
        while current not in own and current in based and current not in seen:
            seen.add(current)
            current = based[current]
        if own.get(current):
            levels[sid] = own[current]
    return levels


def word_headings(data: bytes) -> list[tuple[int, str]]:
    """(level, text) of the body-level headings, by the same rules (a paragraph's own outline level first)."""
    from docx_inventory import paragraph_text

    levels = word_heading_levels(data)
    root = _ooxml.safe_xml(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    out = []
    for p in root.find(W + "body").findall(W + "p"):
        outline = p.find(f"{W}pPr/{W}outlineLvl")
        style = p.find(f"{W}pPr/{W}pStyle")
        level = levels.get(style.get(W + "val")) if style is not None else None
        if outline is not None:
            level = int(outline.get(W + "val")) + 1 if int(outline.get(W + "val")) < 9 else None
        text = paragraph_text(p)
        if level and text.strip():
            out.append((level, text))
    return out


def numbering_of(data: bytes):
    """numId -> abstractNumId, abstractNumId -> {ilvl: (numFmt, lvlText)} and abstractNumId -> linked styles."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    if "word/numbering.xml" not in zf.namelist():
        return {}, {}, {}
    root = _ooxml.safe_xml(zf.read("word/numbering.xml"))
    nums = {n.get(W + "numId"): n.find(W + "abstractNumId").get(W + "val") for n in root.findall(W + "num")}
    levels, linked = {}, {}
    for abstract in root.findall(W + "abstractNum"):
        aid = abstract.get(W + "abstractNumId")
        levels[aid] = {
            int(lvl.get(W + "ilvl")): (lvl.find(W + "numFmt").get(W + "val") if lvl.find(W + "numFmt") is not None else None, lvl.find(W + "lvlText").get(W + "val") if lvl.find(W + "lvlText") is not None else None)
            for lvl in abstract.findall(W + "lvl")
        }
        linked[aid] = [lvl.find(W + "pStyle").get(W + "val") for lvl in abstract.findall(W + "lvl") if lvl.find(W + "pStyle") is not None]
    return nums, levels, linked


@dataclass
class Composed:
    """One add_schedule result with everything the tests compare."""

    host: Path
    service: str
    after: str | None
    title: str
    data: bytes
    path: Path
    before: dict
    after_inv: dict

    @property
    def block(self) -> tuple[int, list[dict]]:
        return schedule_block(self.before, self.after_inv, self.title)


@pytest.fixture(scope="session")
def compose(tmp_path_factory):
    """add_schedule through the library, each host/placement composed once per session."""
    folder = tmp_path_factory.mktemp("composed")
    cache: dict = {}

    def get(host: Path, after: str | None = None, service: str | None = None, title: str | None = None) -> Composed:
        service = service or SERVICE_OF.get(host, "repairs")
        cache_key = (host, after, service, title)
        if cache_key not in cache:
            digest = sha256(host)
            result = add_schedule(host, profile_path=PROFILE, service=service, after=after, title=title, date=DATE)
            assert sha256(host) == digest, "add_schedule changed its input file"
            path = folder / f"{host.stem}-{len(cache)}.docx"
            path.write_bytes(result.data)
            cache[cache_key] = Composed(host, service, after, title or default_title(service), result.data, path, host_inventory(host), inventory(result.data))
        return cache[cache_key]

    return get


def assert_schedule_sound(c: Composed) -> None:
    """The checks every result must pass, whatever the host."""
    assert_preserved(c.before, c.after_inv)
    assert_bookmarks_kept(c.host.read_bytes(), c.data)
    start, block = c.block
    exp = expected(c.service)

    # The schedule text: in order inside the block, and each sentence exactly once in the document.
    block_texts = [p["text"] for p in block]
    position = 0
    for text in exp.texts:
        while position < len(block_texts) and norm(block_texts[position]) != norm(text):
            position += 1
        assert position < len(block_texts), f"schedule text missing or out of order: {text[:80]!r}"
        position += 1
    everywhere = [norm(p["text"]) for p in c.after_inv["paragraphs"]]
    planned = [norm(t) for t in exp.texts]
    for text in exp.unique:
        # the clause library itself repeats a few lead-ins; anything more is a second copy
        assert everywhere.count(norm(text)) == planned.count(norm(text)), f"{text[:80]!r} occurs {everywhere.count(norm(text))} times"

    # Its own numbering: one new list for the clauses, levels "%1" and "%1.%2", used nowhere else.
    nums, levels, linked = numbering_of(c.data)
    host_nums, host_levels, _ = numbering_of(c.host.read_bytes())
    titles = [p for p in block if p["text"] in exp.clause_titles]
    assert [p["text"] for p in titles] == list(exp.clause_titles)
    clause_num = {p["numId"] for p in titles}
    assert len(clause_num) == 1, f"clause headings use several lists: {clause_num}"
    clause_num = clause_num.pop()
    assert clause_num not in (None, 0)
    assert all(p["ilvl"] == 0 and p["num_source"] == "direct" for p in titles)
    numbered = [p for p in block if p["text"] in exp.numbered and p["in"] == ""]
    assert numbered and all((p["numId"], p["ilvl"]) == (clause_num, 1) for p in numbered), "numbered clause paragraphs are not 1.1, 1.2 ... of the schedule's list"
    assert str(clause_num) not in host_nums, "the schedule reuses a host numId"
    abstract = nums[str(clause_num)]
    assert abstract not in host_levels, f"the schedule's list shares the host's abstract numbering {abstract} (Word would continue one from the other)"
    assert levels[abstract][0] == ("decimal", "%1") and levels[abstract][1] == ("decimal", "%1.%2")
    assert not linked[abstract], f"the schedule's list is linked to styles {linked[abstract]}; Word would number those styles' paragraphs with it"
    host_uses = {p["numId"] for p in c.after_inv["paragraphs"][:start] + c.after_inv["paragraphs"][start + len(block) :]}
    assert clause_num not in host_uses
    for p in block:
        if p["numId"] in (None, 0) or p["numId"] == clause_num:
            continue
        fmt = levels[nums[str(p["numId"])]].get(p["ilvl"], (None, None))[0]
        assert fmt == "bullet" or (str(p["numId"]) not in host_nums and nums[str(p["numId"])] not in host_levels), (
            f"schedule paragraph {p['text'][:50]!r} continues host list {p['numId']}"
        )
    # The title is never numbered by a host heading style's numbering.
    assert block[0]["numId"] in (None, 0)

    # The host's styles, where it has them: every paragraph outside the schedule's tables wears one
    # of the host's own styles (headings without a host heading style are its body style in bold).
    host_styles = set(c.before["styles"])
    foreign = sorted({p["style"] for p in block if p["in"] == "" and p["style"] is not None and p["style"] not in host_styles})
    assert not foreign, f"schedule paragraphs use styles the host does not have: {foreign}"
    intro = block[1]
    assert intro["text"].startswith("This schedule sets out")
    assert intro["style"] is None or intro["style"] in host_styles, f"the schedule's body text uses {intro['style']}, not one of the host's styles"
    levels_by_style = word_heading_levels(c.host.read_bytes())
    used_heading_styles = {p["style"] for p in c.before["paragraphs"] if p["in"] == "" and p["style"] in levels_by_style and p["text"].strip()}
    if used_heading_styles:
        assert block[0]["style"] in used_heading_styles, f"the schedule title uses {block[0]['style']}, not a heading style of the host ({sorted(used_heading_styles)})"
        assert titles[0]["style"] in used_heading_styles, f"clause headings use {titles[0]['style']}, not a heading style of the host ({sorted(used_heading_styles)})"
        # ... and a style the host uses for headings, not for whole numbered sentences.
        same = [p["text"] for p in c.before["paragraphs"] if p["style"] == titles[0]["style"] and p["text"].strip()]
        sentences = [t for t in same if len(t) > 90 or t.rstrip().endswith((".", ";", ":"))]
        assert len(sentences) <= len(same) / 2, f"clause headings use {titles[0]['style']}, which the host uses for sentences such as {sentences[0][:60]!r}"

    # msp-docs check reads the result as a contract and finds the schedule's clauses intact.
    report = check_document(c.path)
    assert report.baseline == "contract", f"check reads the result as a {report.baseline} ({report.baseline_source})"
    assert report.summary["missing"] == 0 and report.summary["partial"] == 0, report.summary
    assert sorted(state.id for state in report.clauses if state.status == "intact") == sorted(exp.clause_ids)
    for result in report.results:
        if result.required:
            assert any(e.source == "marker" for e in result.evidence), f"{result.id} is not covered through the schedule's markers"

    # python-docx opens it and sees the schedule.
    opened = docx.Document(io.BytesIO(c.data))
    assert sum(1 for p in opened.paragraphs if p.text == c.title) == 1


# --------------------------------------------------------------------------- fixtures: library

@placements
def test_fixture_contract_keeps_everything_and_gains_the_schedule(compose, placement):
    assert_schedule_sound(compose(placement.host, placement.after))


@placements
def test_schedule_sits_after_the_named_section(compose, placement):
    c = compose(placement.host, placement.after)
    start, block = c.block
    host = [p["text"] for p in c.before["paragraphs"]]
    if placement.after is None:
        assert start == len(host), "with no --after the schedule goes at the very end"
        return
    named = [i for i, p in enumerate(c.before["paragraphs"]) if p["text"] == placement.after and p["in"] == ""]
    assert len(named) == 1
    # Taking the block out leaves the host exactly, so ``start`` is also a host index: the
    # schedule comes after everything in the named section and right before the next heading
    # of the same or higher level.
    assert named[0] < start
    assert host[start] == placement.next_heading


@placements
def test_schedule_takes_the_page_layout_of_the_section_it_follows(compose, placement):
    """The schedule joins the Word section of the heading it follows; the host's sections start where they did."""
    c = compose(placement.host, placement.after)
    host_sections, result_sections = body_sections(c.host.read_bytes()), body_sections(c.data)
    host_texts, result_texts = body_paragraph_texts(c.host.read_bytes()), body_paragraph_texts(c.data)
    title_at = result_texts.index(c.title)
    first_after = title_at + (len(result_texts) - len(host_texts))
    # host paragraphs keep their sections
    assert result_sections[:title_at] == host_sections[:title_at]
    assert [s for s in result_sections[first_after:]] == host_sections[title_at:]
    schedule = set(result_sections[title_at:first_after])
    assert len(schedule) == 1, "the schedule is split over several Word sections"
    if placement.after is not None:
        named = host_texts.index(placement.after)
        assert schedule == {host_sections[named]}, "the schedule left the Word section of the heading it follows"
    else:
        assert schedule == {host_sections[-1]}


def test_the_host_styles_are_the_ones_a_reader_would_pick(compose):
    """Spot checks per fixture: the contract's own heading, body and bullet styles."""
    repairs = compose(REPAIRS, "Schedule 1 - Specification")
    _start, block = repairs.block
    styles = {p["text"]: p["style"] for p in block}
    assert block[0]["style"] == "ScheduleHeading"
    assert styles[expected("repairs").clause_titles[0]] == "Heading1"
    assert block[1]["style"] == "BodyText"
    assert {p["style"] for p in block if p["text"].startswith("does not promise to keep a secret")} == {"ListBullet"}
    assert {p["style"] for p in block if p["text"] in ("Definitions", "Application")} == {"Heading3"}  # as "Part A – Scope"
    gas = compose(GAS, "Schedule 1 - Service Standards")
    _start, block = gas.block
    assert block[0]["style"] == "ScheduleHeading"
    assert {p["style"] for p in block if p["text"] in expected("gas").clause_titles} <= {"ContractHeading1", "ContractHeading2"}
    assert block[1]["style"] == "ContractBody"
    # No bullet or sub-heading style in this contract: both are its body text (bullets keep their list).
    bullets = [p for p in block if p["text"].startswith("does not promise to keep a secret")]
    assert bullets and {p["style"] for p in bullets} == {"ContractBody"} and all(p["numId"] not in (None, 0) for p in bullets)
    _nums, levels, _linked = numbering_of(gas.data)
    assert levels[_nums[str(bullets[0]["numId"])]][0][0] == "bullet"
    assert {p["style"] for p in block if p["text"] in ("Definitions", "Application")} == {"ContractBody"}
    opened = docx.Document(io.BytesIO(gas.data))
    subheadings = [p for p in opened.paragraphs if p.text in ("Definitions", "Application")]
    assert subheadings and all(run.bold for p in subheadings for run in p.runs), "sub-headings in the body style are not bold"
    building = compose(BUILDING, "Schedule 2 - Services")
    _start, block = building.block
    assert block[0]["style"] == "Heading1"
    assert {p["style"] for p in block if p["text"] in expected("building-management").clause_titles} <= {"Heading1", "Heading2"}
    assert block[1]["style"] in (None, "Normal")


def test_the_rest_of_the_fixture_survives_in_detail(compose):
    """Things assert_preserved counts, looked at by value: merged cells, notes, comments, tracked changes, the REF field."""
    c = compose(REPAIRS, "Termination")
    pricing = [t for t in c.after_inv["tables"] if t["rows"] == 9]
    assert pricing and pricing[0]["grid_spans"] == 2 and pricing[0]["v_merge_restart"] == 2 and pricing[0]["v_merge_continue"] == 3
    assert len(c.after_inv["footnotes"]) == 2 and len(c.after_inv["comments"]) == 3
    assert len(c.after_inv["tracked_changes"]) == len(c.before["tracked_changes"]) >= 10
    assert ("body", "REF _Ref200311001 \\r \\h") in c.after_inv["fields"]
    assert [s["refs"] for s in c.after_inv["sections"]] == [s["refs"] for s in c.before["sections"]]
    gas = compose(GAS, "Schedule 1 - Service Standards")
    assert [s["page"]["orient"] for s in gas.after_inv["sections"]] == ["portrait", "landscape", "portrait"]
    assert {cc["tag"] for cc in gas.after_inv["content_controls"]} >= {"ContractReference", "AuthorisedOfficer"}
    assert len(gas.after_inv["endnotes"]) == 1
    assert [t["depth"] for t in gas.after_inv["tables"]].count(1) == 1  # the nested table


def test_input_is_never_modified_by_the_library(tmp_path):
    host = tmp_path / "contract.docx"
    shutil.copyfile(REPAIRS, host)
    digest, mtime = sha256(host), host.stat().st_mtime_ns
    add_schedule(host, profile_path=PROFILE, service="repairs", after="Termination", date=DATE)
    assert sha256(host) == digest and host.stat().st_mtime_ns == mtime


def test_library_refuses_a_second_copy_and_replaces_on_request(compose, tmp_path):
    first = compose(REPAIRS, "Termination")
    with pytest.raises(ScheduleAlreadyPresentError, match="already contains the repairs and maintenance safeguarding schedule"):
        add_schedule(first.path, profile_path=PROFILE, service="repairs", date=DATE)
    replaced = add_schedule(first.path, profile_path=PROFILE, service="repairs", replace=True, title="Schedule 9 - Safeguarding", date=DATE)
    assert replaced.replaced
    path = tmp_path / "replaced.docx"
    path.write_bytes(replaced.data)
    again = Composed(REPAIRS, "repairs", "Termination", "Schedule 9 - Safeguarding", replaced.data, path, first.before, inventory(replaced.data))
    assert_schedule_sound(again)
    assert first.title not in [p["text"] for p in again.after_inv["paragraphs"]]
    assert again.block[0] == first.block[0], "the fresh schedule is not where the old one was"


def test_a_missing_heading_lists_the_real_ones():
    with pytest.raises(OptionError) as caught:
        add_schedule(REPAIRS, profile_path=PROFILE, service="repairs", after="Schedule 8 - Insurance", date=DATE)
    message = str(caught.value)
    assert 'no heading "Schedule 8 - Insurance"' in message
    for heading in ("Definitions and Interpretation", "Termination", "Schedule 1 - Specification", "Schedule 3 - Key Performance Indicators", "Part A – Scope"):
        assert heading in message


def test_contract_headings_are_the_ones_after_accepts(tmp_path):
    from msp_docs.compose import contract_headings

    headings = [h.text for h in contract_headings(REPAIRS)]
    for heading in ("Definitions and Interpretation", "Termination", "Schedule 1 - Specification", "Part A – Scope"):
        assert heading in headings
    with pytest.raises(OptionError) as caught:
        add_schedule(REPAIRS, profile_path=PROFILE, service="repairs", after="Schedule 8 - Insurance", date=DATE)
    listed = [line.strip() for line in str(caught.value).splitlines()[1:]]
    assert listed == headings
    result = add_schedule(REPAIRS, profile_path=PROFILE, service="repairs", after=headings[1], date=DATE)
    assert result.inserted_after == headings[1]
    docm = tmp_path / "contract.docm"
    docm.write_bytes(_docm())
    with pytest.raises(DocumentError, match="never opens macros"):
        contract_headings(docm)


def test_outline_level_9_is_body_text_and_a_name_needs_a_level(tmp_path):
    """Word's rules: a style with outline level 9 is body text even when based on a heading style
    ("TOC Heading"), and "... Heading" without a number is not a heading style."""

    def change(name, data):
        if name != "word/styles.xml":
            return data
        root = etree.fromstring(data)
        heading2 = root.find(f"{W}style[@{W}styleId='Heading2']")
        outline = heading2.find(f"{W}pPr/{W}outlineLvl")
        if outline is None:
            outline = etree.SubElement(heading2.find(f"{W}pPr"), f"{W}outlineLvl")
        outline.set(f"{W}val", "9")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    host = tmp_path / "contract.docx"
    host.write_bytes(_rezip(BUILDING, change))
    with pytest.raises(OptionError) as caught:
        add_schedule(host, profile_path=PROFILE, service="building-management", after="Nothing Like This", date=DATE)
    assert "Schedule 2 - Services" in str(caught.value) and "Out of hours" not in str(caught.value)
    # the section after "Schedule 2 - Services" now runs to "Schedule 3 - Fees" with no sub-heading in it
    result = add_schedule(host, profile_path=PROFILE, service="building-management", after="Schedule 2 - Services", date=DATE)
    start, _block = schedule_block(inventory(host), inventory(result.data), default_title("building-management"))
    assert inventory(host)["paragraphs"][start]["text"] == "Schedule 3 - Fees"


def test_a_hand_made_heading_section_runs_to_the_next_heading_that_looks_the_same(tmp_path):
    """Headings typed in bold Normal text: the section does not end at the next Normal paragraph."""

    def change(name, data):
        if name != "word/document.xml":
            return data
        root = etree.fromstring(data)
        for style in root.iter(f"{W}pStyle"):
            if style.get(f"{W}val") == "Heading1":
                paragraph = style.getparent().getparent()
                style.getparent().remove(style)
                for run in paragraph.iter(f"{W}r"):
                    rpr = run.find(f"{W}rPr")
                    if rpr is None:
                        rpr = etree.Element(f"{W}rPr")
                        run.insert(0, rpr)
                    etree.SubElement(rpr, f"{W}b")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    host = tmp_path / "contract.docx"
    host.write_bytes(_rezip(BUILDING, change))
    result = add_schedule(host, profile_path=PROFILE, service="building-management", after="Schedule 2 - Services", date=DATE)
    before = inventory(host)
    start, _block = schedule_block(before, inventory(result.data), default_title("building-management"))
    # past the body text and the (styled) "Out of hours" sub-heading, up to the next bold heading
    assert [p["text"] for p in before["paragraphs"]][start - 1 : start + 1] == ["The Manager shall run a 24-hour emergency line for residents.", "Schedule 3 - Fees"]
    assert result.inserted_after == "Schedule 2 - Services"


# --------------------------------------------------------------------------- fixtures: the command line

@pytest.mark.parametrize("host", [REPAIRS, GAS, BUILDING], ids=lambda p: p.stem)
def test_cli_adds_the_schedule_and_refuses_a_second_copy_then_replaces_it(host, tmp_path):
    service = SERVICE_OF[host]
    digest = sha256(host)
    out = tmp_path / "with-schedule.docx"
    result = run_cli("add-clauses", host, "--service", service, "--profile", PROFILE, "-o", out, "--title", "Schedule 9 - Safeguarding", "--date", "2026-04-01")
    assert result.exit_code == 0, result.output + result.stderr
    assert f"wrote {out}: {len(expected(service).clause_ids)} safeguarding clauses inserted at the end" in result.stdout
    assert sha256(host) == digest
    before = host_inventory(host)
    first = inventory(out)
    assert_preserved(before, first)
    schedule_block(before, first, "Schedule 9 - Safeguarding")

    again = tmp_path / "twice.docx"
    result = run_cli("add-clauses", out, "--service", service, "--profile", PROFILE, "-o", again)
    assert_clean_refusal(result, "already contains the", "safeguarding schedule; nothing was written", "--replace")
    assert not again.exists()

    out_digest = sha256(out)
    result = run_cli("add-clauses", out, "--service", service, "--profile", PROFILE, "-o", again, "--replace", "--date", "2026-04-01")
    assert result.exit_code == 0, result.output + result.stderr
    assert "inserted in place of the old one" in result.stdout
    assert sha256(out) == out_digest
    c = Composed(host, service, None, default_title(service), again.read_bytes(), again, before, inventory(again))
    assert_schedule_sound(c)
    assert "Schedule 9 - Safeguarding" not in [p["text"] for p in c.after_inv["paragraphs"]]


def test_cli_after_a_heading_says_where(tmp_path):
    out = tmp_path / "out.docx"
    result = run_cli("add-clauses", REPAIRS, "--service", "repairs", "--profile", PROFILE, "-o", out, "--after", "termination")
    assert result.exit_code == 0, result.stderr
    assert 'inserted after the section "Termination"' in result.stdout
    start, _block = schedule_block(host_inventory(REPAIRS), inventory(out), default_title("repairs"))
    assert host_inventory(REPAIRS)["paragraphs"][start]["text"] == "Schedule 1 - Specification"


def test_cli_missing_heading_exits_2_and_lists_the_headings(tmp_path):
    out = tmp_path / "out.docx"
    result = run_cli("add-clauses", GAS, "--service", "gas", "--profile", PROFILE, "-o", out, "--after", "Schedule 8 - Insurance")
    assert_clean_refusal(result, 'there is no heading "Schedule 8 - Insurance" in the contract. Its headings are:', "Charges and Invoicing", "Schedule 2 - Pricing", "Schedule 3 - Appliance Register")
    assert not out.exists()


def test_cli_refuses_to_write_over_its_input(tmp_path):
    host = tmp_path / "contract.docx"
    shutil.copyfile(REPAIRS, host)
    digest = sha256(host)
    for spelling in (host, tmp_path / "sub" / ".." / "contract.docx"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        for extra in ((), ("--force",)):
            result = run_cli("add-clauses", host, "--service", "repairs", "--profile", PROFILE, "-o", spelling, *extra)
            assert_clean_refusal(result, "-o names the input contract; add-clauses never changes its input")
            assert sha256(host) == digest


def test_cli_an_existing_output_needs_force(tmp_path):
    out = tmp_path / "out.docx"
    out.write_bytes(b"somebody's work")
    result = run_cli("add-clauses", REPAIRS, "--service", "repairs", "--profile", PROFILE, "-o", out)
    assert_clean_refusal(result, "already exists; nothing was written. Use --force", str(out))
    assert out.read_bytes() == b"somebody's work"
    result = run_cli("add-clauses", REPAIRS, "--service", "repairs", "--profile", PROFILE, "-o", out, "--force")
    assert result.exit_code == 0, result.stderr
    assert_preserved(host_inventory(REPAIRS), inventory(out))


def test_cli_unknown_service_exits_2(tmp_path):
    result = run_cli("add-clauses", REPAIRS, "--service", "cleaning", "--profile", PROFILE, "-o", tmp_path / "out.docx")
    assert_clean_refusal(result, "--service: 'cleaning' is not a contracted service", "repairs, gas, building-management")


# --------------------------------------------------------------------------- bad inputs

OLE_HEADER = bytes.fromhex("D0CF11E0A1B11AE1")


def _rezip(source: Path, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, change(info.filename, src.read(info.filename)))
    return out.getvalue()


def _docm() -> bytes:
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    macro = b"application/vnd.ms-word.document.macroEnabled.main+xml"

    def change(name, data):
        if name == "[Content_Types].xml":
            assert main in data
            return data.replace(main, macro)
        return data

    return _rezip(REPAIRS, change)


def _broken_xml() -> bytes:
    return _rezip(REPAIRS, lambda name, data: data[: len(data) // 2] if name == "word/document.xml" else data)


def _odt() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


BAD_INPUTS = {
    # name: (file name, bytes, what the message must say)
    "old-doc": ("contract.doc", OLE_HEADER + b"\0" * 4096, "is an old Word 97-2003 document (.doc)"),
    "old-doc-named-docx": ("contract.docx", OLE_HEADER + b"\0" * 4096, "is an old Word 97-2003 document (.doc)"),
    "encrypted": ("contract.docx", OLE_HEADER + b"\0" * 1024 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1024, "is password-protected (encrypted)"),
    "macro-enabled-docm": ("contract.docm", None, "is a macro-enabled document (.docm); msp-docs never opens macros"),
    "truncated-zip": ("contract.docx", REPAIRS.read_bytes()[: REPAIRS.stat().st_size // 2], "is damaged"),
    "damaged-document-xml": ("contract.docx", None, "cannot be opened as a Word document"),
    "pdf": ("contract.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "is not a Word document (.docx); add-clauses needs the contract as a .docx. Open the contract in Word"),
    "random-bytes": ("contract.docx", b"\x00\xff" + random.Random(7).randbytes(4094), "is not a document msp-docs can read"),
    "opendocument": ("contract.odt", _odt(), "is an OpenDocument file (.odt)"),
    "empty": ("contract.docx", b"", "is empty (0 bytes)"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS) + ["missing-file"])
def test_bad_input_exits_2_with_a_clear_message(name, tmp_path):
    out = tmp_path / "out.docx"
    if name == "missing-file":
        contract, message = tmp_path / "nowhere.docx", "no such file"
    else:
        filename, data, message = BAD_INPUTS[name]
        if data is None:
            data = _docm() if name == "macro-enabled-docm" else _broken_xml()
        contract = tmp_path / filename
        contract.write_bytes(data)
    result = run_cli("add-clauses", contract, "--service", "repairs", "--profile", PROFILE, "-o", out)
    assert_clean_refusal(result, message)
    assert not out.exists()
    assert not list(tmp_path.glob(".out.docx.*")), "a temporary file was left behind"


# --------------------------------------------------------------------------- real Word documents

@real_docs
def test_real_document_keeps_everything_and_gains_the_schedule(compose, host):
    assert_schedule_sound(compose(host))


@real_docs
def test_real_document_second_run_and_replace(compose, host, tmp_path):
    first = compose(host)
    with pytest.raises(ScheduleAlreadyPresentError, match="already contains"):
        add_schedule(first.path, profile_path=PROFILE, service="repairs", date=DATE)
    replaced = add_schedule(first.path, profile_path=PROFILE, service="repairs", replace=True, date=DATE)
    path = tmp_path / "replaced.docx"
    path.write_bytes(replaced.data)
    assert_schedule_sound(Composed(host, "repairs", None, first.title, replaced.data, path, first.before, inventory(replaced.data)))


@real_docs
def test_real_document_after_a_heading(compose, host):
    headings = word_headings(host.read_bytes())
    texts = [norm(p["text"]) for p in host_inventory(host)["paragraphs"]]
    choice = None
    for level in (1, 2, 3):
        for i, (lvl, text) in enumerate(headings):
            later = [t for l, t in headings[i + 1 :] if l <= lvl]
            if lvl == level and later and texts.count(norm(text)) == 1 and texts.count(norm(later[0])) == 1:
                choice = (text, later[0])
                break
        if choice:
            break
    # A heading that is not there: refused, listing the headings that are.
    with pytest.raises(OptionError) as caught:
        add_schedule(host, profile_path=PROFILE, service="repairs", after="No Such Heading 42", date=DATE)
    message = str(caught.value)
    assert 'no heading "No Such Heading 42" in the contract. Its headings are:' in message
    listed = [line.strip() for line in message.split("Its headings are:\n", 1)[1].splitlines() if not line.strip().startswith("... and")]
    if headings:
        shown = [norm(t) for t in listed]
        for _lvl, text in headings[:5]:
            if len(norm(text)) <= 90 and not norm(text).endswith((".", ":", ";")):
                assert norm(text) in shown, f"the heading {text!r} is not listed"
    elif listed != ["(the document has no headings)"]:
        # No heading styles: it lists the paragraphs typed as headings, each a whole paragraph of
        # the host, and naming one keeps that heading's text with it.
        assert set(listed) <= set(texts), f"listed lines that are not paragraphs of the document: {sorted(set(listed) - set(texts))[:3]}"
        named = next(t for t in listed if texts.count(norm(t)) == 1 and t != listed[-1])
        c = compose(host, named)
        start, _block = c.block
        host_texts = [norm(p["text"]) for p in c.before["paragraphs"]]
        assert start > host_texts.index(norm(named)) + 1, "the schedule split the named section from its first paragraph"
        assert start == len(host_texts) or host_texts[start] in listed, f"the schedule ends the section before {host_texts[start][:60]!r}, which is not a heading"
        assert_schedule_sound(c)
        return
    if choice is None:
        return  # no heading at all, and the refusal said so
    named, next_heading = choice
    c = compose(host, named)
    start, _block = c.block
    host_texts = [norm(p["text"]) for p in c.before["paragraphs"]]
    assert host_texts.index(norm(named)) < start
    assert host_texts[start] == norm(next_heading), f"after {named!r} the schedule should come right before {next_heading!r}, not before {host_texts[start][:60]!r}"
    assert_schedule_sound(c)


# --------------------------------------------------------------------------- LibreOffice

def _pdf_pages(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        pdf.close()


@pytest.mark.libreoffice
def test_results_convert_with_libreoffice(compose, tmp_path):
    """Each fixture result (and three real ones) converts; pages before the schedule are the host's pages."""
    exe = _require_soffice()
    chosen = [compose(p.host, p.after) for p in PLACEMENTS if p.after and p.id != "repairs-contract-termination"]
    chosen += [compose(host) for host in REAL[:: max(1, len(REAL) // 3)][:3]]
    folder = tmp_path / "in"
    folder.mkdir()
    inputs = []
    for index, c in enumerate(chosen):
        result = folder / f"result-{index}.docx"
        shutil.copyfile(c.path, result)
        host = folder / f"host-{index}.docx"
        shutil.copyfile(c.host, host)
        inputs += [result, host]
    profile_dir = tmp_path / "lo-profile"
    proc = subprocess.run(
        [exe, f"-env:UserInstallation={profile_dir.as_uri()}", "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *map(str, inputs)],
        capture_output=True, text=True, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    for index, c in enumerate(chosen):
        result_pdf, host_pdf = tmp_path / "pdf" / f"result-{index}.pdf", tmp_path / "pdf" / f"host-{index}.pdf"
        assert result_pdf.exists() and host_pdf.exists(), f"LibreOffice did not convert {c.host.name}: {proc.stdout} {proc.stderr}"
        pages, host_pages = _pdf_pages(result_pdf), _pdf_pages(host_pdf)
        flat = lambda text: " ".join(text.split()).casefold()  # noqa: E731  (heading styles print in capitals)
        title_pages = [i for i, text in enumerate(pages) if flat(c.title) in flat(text)]
        assert title_pages, f"{c.host.name}: the schedule title is not in the PDF"
        first = title_pages[0]
        exp = expected(c.service)
        whole = flat(" ".join(pages))
        for title in exp.clause_titles:
            assert flat(title) in whole
        # The host's text flows through unchanged: everything before the schedule's first page is
        # the start of the host (headers, footers and page numbers aside) up to the insertion point,
        # and the rest of the host follows the schedule. Compared as a flow, not page by page:
        # LibreOffice 7.4 moves an earlier keep-with-next heading ("Schedule 1 - The Buildings" to
        # the foot of page 1) when a long table comes later in the document, even with the host
        # untouched and the same table simply appended at the very end.
        digits = lambda text: re.sub(r"\d+", "#", flat(text))  # noqa: E731
        furniture = sorted({digits(line) for sect in c.before["sections"] for _kind, _type, text in sect["refs"] for line in (text or "").splitlines() if line.strip()}, key=len, reverse=True)

        def flow(chunk: list[str]) -> str:
            text = " ".join(digits(p) for p in chunk)
            for line in furniture:
                text = text.replace(line, " ")
            return " ".join(text.split())

        before_schedule, host_flow, whole = flow(pages[:first]), flow(host_pages), flow(pages)
        assert before_schedule and host_flow.startswith(before_schedule), f"{c.host.name}: the host's text before the schedule changed"
        start, block = c.block
        last_host = digits(c.before["paragraphs"][start - 1]["text"])
        # (footers the furniture list cannot strip, e.g. with fields, may still follow it on the page)
        assert last_host in before_schedule[-(len(last_host) + 300) :], f"{c.host.name}: the host text before the insertion point is not right before the schedule"
        rest = host_flow[len(before_schedule) :].strip()
        assert whole.endswith(rest), f"{c.host.name}: the host's text after the schedule changed"
        assert len(pages) > len(host_pages)


def test_schedule_takes_the_hosts_hand_set_body_text_size(tmp_path):
    """A host that formats its clause text by hand (10 pt on Normal) gets a schedule in the same size."""
    import docx as _docx
    from docx.shared import Pt

    host = _docx.Document()
    for index in range(12):
        paragraph = host.add_paragraph()
        run = paragraph.add_run(f"Clause {index}: the Contractor shall perform the Services with reasonable skill and care.")
        run.font.size = Pt(9)
    source = tmp_path / "hand-formatted.docx"
    host.save(source)
    from msp_docs.compose import add_schedule

    result = add_schedule(source, profile_path=PROFILE, service="gas")
    out = tmp_path / "out.docx"
    out.write_bytes(result.data)
    document = _docx.Document(out)
    schedule = [p for p in document.paragraphs if "Contractor shall" in p.text and not p.text.startswith("Clause ")]
    assert schedule, "the schedule's clauses are there"
    sizes = {run.font.size.pt for p in schedule for run in p.runs if run.text.strip() and run.font.size is not None}
    assert sizes == {9.0}
