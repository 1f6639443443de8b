"""msp-docs review: the marked-up copy (a comment at each evidence passage, a summary, nothing else
changed) and the letter (a request and a reply-form row for each gap), on fixture, evaluation and
real documents, with tracked changes, existing comments, headers, footnotes and text boxes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import FIXTURES, PROFILES, REAL_DOCX, ROOT, require_soffice
from msp_docs.cli import cli
from msp_docs.extract import extract
from msp_docs.review import review_document

sys.path.insert(0, str(ROOT / "tests"))
import hostile  # noqa: E402
from docx_inventory import assert_preserved, inventory  # noqa: E402

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
PROFILE = PROFILES / "eastmoor-district-council.yaml"
DATE = "2026-07-01"
CONTRACTS = FIXTURES / "contracts"
EVAL = ROOT / "tests" / "eval" / "documents"
EVAL_WORD = [EVAL / name for name in ("01-harbourside-policy.docx", "04-brightwater-procedure.docx", "05-kestrelvale-repairs-spec.docx", "14-castlegate-exclusions-policy.docx", "16-willowcourt-sheltered-qa.docx")]
EVAL_LETTER_ONLY = [EVAL / name for name in ("03-calderbrook-statement.txt", "06-fernhill-gas-spec.pdf", "07-oakridge-cleaning-spec.md")]
REAL = sorted(REAL_DOCX.glob("*.docx")) if REAL_DOCX.is_dir() else []

# Sentences the checker takes as evidence, put where Word keeps text in awkward places.
SENTENCES = {
    "header": "We share information with the council and the police to protect an adult at risk, with consent where possible.",
    "footnote": "We assume a person has mental capacity unless it is shown otherwise, and we support people to make their own decisions, including unwise decisions.",
    "table": "Report any concern about abuse or neglect of an adult at risk to the safeguarding lead on 01632 960 111 the same day; in an emergency call 999.",
    "text box": "Abuse can be physical, sexual, psychological, financial, discriminatory or organisational, and includes neglect, self-neglect, domestic abuse and modern slavery.",
    "training": "All staff receive adult safeguarding training at induction and a refresher every two years.",
}
# Split over plain runs, a hyperlink and a tracked insertion, with a tracked deletion inside.
SPLIT_SENTENCE = ("When we have a safeguarding concern we talk to the person about what they want to happen ", "from the very start", ", we respect their choices", " and we judge our success by whether the outcomes they wanted have been achieved.")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def _append(paragraph, xml: str) -> None:
    fragment = etree.fromstring(f'<w:wrap xmlns:w="{W_NS}">{xml}</w:wrap>')
    for child in fragment:
        paragraph.append(child)


def _rewrite(source: Path, target: Path, edits: dict) -> Path:
    """A copy of a .docx with some parts edited: {part name: function(root)}."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                root = etree.fromstring(data)
                edits[info.filename](root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zout.writestr(info, data)
    return target


def _texted(root) -> list:
    return [p for p in root.iter(f"{W}p") if "".join(p.itertext()).strip()]


def awkward_repairs(tmp: Path) -> Path:
    """The repairs fixture with evidence in a header (of its second section), a footnote, a table cell, and a
    paragraph spread over runs, a hyperlink and a tracked insertion; it keeps its comments and tracked changes."""

    def body(root):
        paragraphs = [p for p in _texted(root) if not any(a.tag == f"{W}tbl" for a in p.iterancestors())]
        target = paragraphs[3]
        for child in list(target):
            if child.tag != f"{W}pPr":
                target.remove(child)
        a, b, c, d = SPLIT_SENTENCE
        _append(
            target,
            _run(a)
            + f'<w:hyperlink w:anchor="start">{_run(b)}</w:hyperlink>'
            + f'<w:ins w:id="9001" w:author="Jo Bloggs" w:date="2026-05-01T10:00:00Z">{_run(c)}</w:ins>'
            + '<w:del w:id="9002" w:author="Jo Bloggs" w:date="2026-05-01T10:00:00Z"><w:r><w:delText xml:space="preserve"> never</w:delText></w:r></w:del>'
            + _run(d),
        )
        cell = next(p for p in root.iter(f"{W}p") if any(a.tag == f"{W}tc" for a in p.iterancestors()) and "".join(p.itertext()).strip())
        _append(cell, _run(" " + SENTENCES["table"]))
        _append(paragraphs[6], _run(" " + SENTENCES["training"]))

    def header(root):
        _append(_texted(root)[0], _run(" " + SENTENCES["header"]))

    def footnote(root):
        _append(_texted(root)[0], _run(" " + SENTENCES["footnote"]))

    return _rewrite(CONTRACTS / "repairs-contract.docx", tmp / "awkward-repairs.docx", {"word/document.xml": body, "word/header3.xml": header, "word/footnotes.xml": footnote})


def awkward_gas(tmp: Path) -> Path:
    """The gas fixture with evidence in its text box (both the DrawingML copy and its VML fallback)."""

    def body(root):
        for box in root.iter(f"{W}txbxContent"):
            _append(_texted(box)[0], _run(" " + SENTENCES["text box"]))

    return _rewrite(CONTRACTS / "gas-servicing-contract.docx", tmp / "awkward-gas.docx", {"word/document.xml": body})


# --------------------------------------------------------------------------- reading the outputs


@dataclass
class Comment:
    id: str
    author: str
    initials: str | None
    date: str | None
    text: str
    anchors: list  # (part, paragraph text) of each paragraph holding its range start


def _paragraph_text(p) -> str:
    out = []
    for node in p.iter(f"{W}t", f"{W}tab"):
        if any(a.tag in (f"{W}del", f"{W}moveFrom", f"{MC}Fallback") for a in node.iterancestors()):
            continue
        owner = next(a for a in node.iterancestors() if a.tag == f"{W}p")
        if owner is p:
            out.append(" " if node.tag == f"{W}tab" else node.text or "")
    return " ".join("".join(out).split())


def read_comments(data: bytes) -> list[Comment]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        document = etree.fromstring(z.read("word/document.xml"))
        comments_root = etree.fromstring(z.read("word/comments.xml")) if "word/comments.xml" in names else None
    anchors: dict[str, list] = {}
    for start in document.iter(f"{W}commentRangeStart"):
        p = next(a for a in start.iterancestors() if a.tag == f"{W}p")
        anchors.setdefault(start.get(f"{W}id"), []).append(p)
    out = []
    for c in comments_root.iter(f"{W}comment") if comments_root is not None else ():
        text = "\n".join("".join(t.text or "" for t in p.iter(f"{W}t")) for p in c.iter(f"{W}p"))
        out.append(Comment(c.get(f"{W}id"), c.get(f"{W}author"), c.get(f"{W}initials"), c.get(f"{W}date"), text, anchors.get(c.get(f"{W}id"), [])))
    return out


def reply_rows(letter: bytes) -> list[list[str]]:
    """Rows of the letter's reply form (the table whose header is Requirement | Your response | Where ...)."""
    with zipfile.ZipFile(io.BytesIO(letter)) as z:
        document = etree.fromstring(z.read("word/document.xml"))
    for table in document.iter(f"{W}tbl"):
        rows = [[" ".join("".join(t.text or "" for t in tc.iter(f"{W}t")).split()) for tc in tr.iter(f"{W}tc")] for tr in table.iter(f"{W}tr")]
        if rows and rows[0] == ["Requirement", "Your response", "Where in the revised document"]:
            return rows[1:]
    return []


def letter_text(letter: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(letter)) as z:
        document = etree.fromstring(z.read("word/document.xml"))
    return "\n".join(_paragraph_text(p) for p in document.iter(f"{W}p"))


def check_json(path: Path, *extra: str) -> dict:
    result = CliRunner().invoke(cli, ["check", str(path), "--format", "json", *extra])
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.stdout)["documents"][0]


def label(requirement: dict) -> str:
    """How the review names a requirement: a theme's title, or 'CSSG 14.15: title' for a paragraph."""
    if requirement["kind"] == "theme":
        return requirement["title"]
    number = requirement["id"].removeprefix("2014-")
    edition = " (October 2014 numbering)" if requirement["id"].startswith("2014-") else ""
    return f"CSSG {number}{edition}: {requirement['title']}"


# --------------------------------------------------------------------------- reviewing once per document


@dataclass
class Reviewed:
    source: Path
    hash_before: str
    result: object
    report: dict  # check --format json for the same document and baseline
    args: tuple


def _review(path: Path, *args: str) -> Reviewed:
    before = sha256(path)
    baseline = args[1] if args[:1] == ("--baseline",) else "auto"
    result = review_document(path, PROFILE, baseline=baseline, date=dt.date.fromisoformat(DATE))
    return Reviewed(path, before, result, check_json(path, *args), args)


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("awkward")
    return {
        "repairs": _review(awkward_repairs(tmp), "--baseline", "policy"),
        "gas": _review(awkward_gas(tmp), "--baseline", "policy"),
    }


@pytest.fixture(scope="module")
def reviewed_real():
    return {path.name: _review(path) for path in REAL}


@pytest.fixture(scope="module")
def reviewed_eval():
    return {path.name: _review(path) for path in EVAL_WORD + EVAL_LETTER_ONLY}


@pytest.fixture(scope="module")
def reviewed_fixtures():
    return {path.name: _review(path) for path in sorted(CONTRACTS.glob("*.docx"))}


def all_reviews(request) -> list[Reviewed]:
    out = []
    for name in ("reviewed_fixtures", "reviewed_eval", "reviewed_real"):
        out.extend(request.getfixturevalue(name).values())
    out.extend(request.getfixturevalue("awkward").values())
    return out


# --------------------------------------------------------------------------- what every review must do


def assert_sound_review(r: Reviewed) -> None:
    """The Done-when list, for one document."""
    assert sha256(r.source) == r.hash_before, "the input was changed"
    report, result = r.report, r.result
    gaps = [q for q in report["requirements"] if q["required"] and q["status"] != "covered"]
    missing = [q for q in gaps if q["status"] == "missing"]
    partial = [q for q in gaps if q["status"] == "partial"]
    # The letter: a reply-form row for each gap, naming it; no form when nothing is missing.
    rows = reply_rows(result.letter)
    assert len(rows) == len(gaps)
    assert sorted(re.sub(r"^\d+\. ", "", row[0]).rsplit(" (", 1)[0] for row in rows) == sorted(label(q) for q in gaps)
    assert all(row[1] == "" and row[2] == "" for row in rows), "the response columns are left for the provider"
    text = letter_text(result.letter)
    assert "Yours sincerely," in text and "Priya Shah" in text and "Eastmoor District Council – Housing Services" in text
    if result.reviewed is None:
        assert r.source.suffix in (".pdf", ".txt", ".md")
        assert "so there is no marked-up copy" in text
        return
    comments = read_comments(result.reviewed)
    ours = [c for c in comments if c.author == "Priya Shah"]
    assert all(c.initials == "PS" and c.date == f"{DATE}T09:00:00Z" for c in ours)
    # One summary comment, at the start, listing exactly the missing (and partial) requirements.
    summaries = [c for c in ours if c.text.startswith("Summary of our review")]
    assert len(summaries) == 1 and summaries[0].anchors
    lines = summaries[0].text.split("\n")
    assert _listed(lines, "Not found") == [label(q) for q in missing]
    assert _listed(lines, "Partly covered") == [label(q) for q in partial]
    assert f"{report['summary']['covered']} covered, {report['summary']['partial']} partly covered, {report['summary']['missing']} not found" in summaries[0].text
    # One comment per evidence passage, naming every requirement it is evidence for.
    document = extract(r.source)
    by_location = {p.location: p for p in document.passages}
    expected: dict[str, list[dict]] = {}
    for q in report["requirements"]:
        if q["required"] and q["status"] != "missing":
            for evidence in q["evidence"]:
                listed = expected.setdefault(evidence["location"], [])
                if q not in listed:  # two sentences of one passage
                    listed.append(q)
    evidence_comments = [c for c in ours if c.text.startswith("Covers:")]
    assert len(evidence_comments) == len(expected), "one comment per evidence passage"
    for location, requirements in expected.items():
        passage = by_location[location]
        wanted = {f"\u2022 {label(q)} ({'covered' if q['status'] == 'covered' else 'partly covered'})" for q in requirements}
        carriers = [c for c in evidence_comments if wanted <= {_item(line) for line in c.text.split("\n")} and _sits_at(c, passage)]
        assert len(carriers) == 1, f"{r.source.name}: {location}: {len(carriers)} comments name {sorted(wanted)}"
        comment = carriers[0]
        assert len([line for line in comment.text.split("\n") if line.startswith("\u2022")]) == len(requirements)
        for q in requirements:
            if q["status"] == "partial" and "not found: " in (q.get("note") or ""):
                assert f"Still to find: {q['note'].split('not found: ', 1)[1]}." in comment.text
    # Everything the document had survives, existing comments with their authors included.
    assert_preserved(inventory(r.source), inventory(result.reviewed))
    before = inventory(r.source)["comments"]
    assert [c for c in inventory(result.reviewed)["comments"] if c["author"] != "Priya Shah"] == before


def _item(line: str) -> str:
    """A comment's requirement line without what it still lacks: '• TITLE (partly covered)'."""
    match = re.match(r"^(\u2022 .*\((?:covered|partly covered)\))(?:\. .*)?$", line)
    return match.group(1) if match else line


def _sits_at(comment: Comment, passage) -> bool:
    """A comment sits at a passage: on its paragraph, or (a header, footnote or text box) quoting it."""
    if passage.part in ("body", "table"):
        return any(_paragraph_text(p)[: len(passage.text)] == passage.text for p in comment.anchors)
    return passage.text[:40] in comment.text and bool(comment.anchors)


def _listed(lines: list[str], heading: str) -> list[str]:
    """The bulleted lines under 'HEADING (n):' in the summary comment."""
    for index, line in enumerate(lines):
        if line.startswith(f"{heading} ("):
            items = []
            for item in lines[index + 1 :]:
                if not item.startswith("\u2022 "):
                    break
                items.append(item[2:])
            assert line == f"{heading} ({len(items)}):"
            return items
    return []


def test_fixture_contracts_are_reviewed_soundly(reviewed_fixtures):
    assert reviewed_fixtures
    for reviewed in reviewed_fixtures.values():
        assert_sound_review(reviewed)


def test_evaluation_documents_are_reviewed_soundly(reviewed_eval):
    harbourside = reviewed_eval["01-harbourside-policy.docx"].result
    assert len([c for c in harbourside.comments if c.passage is not None]) > 40, "a good policy gets many evidence comments"
    for reviewed in reviewed_eval.values():
        assert_sound_review(reviewed)


@pytest.mark.skipif(not REAL, reason=f"the shared real Word documents are not at {REAL_DOCX}")
def test_every_real_document_is_reviewed_soundly(reviewed_real):
    assert len(reviewed_real) >= 8
    for reviewed in reviewed_real.values():
        assert_sound_review(reviewed)


def test_awkward_places_get_their_comment_on_the_nearest_body_paragraph(awkward):
    assert_sound_review(awkward["repairs"])
    assert_sound_review(awkward["gas"])
    placed = {c.placed for r in awkward.values() for c in r.result.comments}
    assert {"in place", "header", "footnote", "text box", "summary"} <= placed
    comments = read_comments(awkward["repairs"].result.reviewed)
    by_place = {c.placed: c for c in awkward["repairs"].result.comments}
    # The header belongs to the contract's second section: its comment sits at that section's start.
    header = next(c for c in comments if "page header" in c.text)
    assert "We share information" in header.text
    assert by_place["header"].text == header.text
    anchor_text = _paragraph_text(header.anchors[0])
    first_body = extract(awkward["repairs"].source).passages[0].text
    assert anchor_text and anchor_text != first_body
    # The footnote's comment sits on the paragraph holding its reference mark.
    footnote = next(c for c in comments if "footnote" in c.text)
    assert any(True for _ in footnote.anchors[0].iter(f"{W}footnoteReference"))
    # The sentence over runs, a hyperlink and a tracked insertion is one passage with one comment.
    whole = "".join(SPLIT_SENTENCE)
    split = [c for c in comments if any(_paragraph_text(p) == whole for p in c.anchors)]
    assert len(split) == 1 and "Making Safeguarding Personal (covered)" in split[0].text
    # The text box's comment sits on the paragraph that holds the box, outside it.
    gas = read_comments(awkward["gas"].result.reviewed)
    box = next(c for c in gas if "text box" in c.text)
    assert not any(a.tag == f"{W}txbxContent" for a in box.anchors[0].iterancestors())
    assert any(True for _ in box.anchors[0].iter(f"{W}txbxContent"))


def test_tracked_changes_and_existing_comments_are_kept(awkward):
    r = awkward["repairs"]
    before, after = inventory(r.source), inventory(r.result.reviewed)
    assert before["tracked_changes"] and before["comments"], "the fixture has both"
    assert after["tracked_changes"] == before["tracked_changes"]
    assert [c for c in after["comments"] if c["author"] != "Priya Shah"] == before["comments"]
    assert r.result.existing_comments == len(before["comments"])
    # The range markers sit at paragraph level, never inside a tracked change.
    with zipfile.ZipFile(io.BytesIO(r.result.reviewed)) as z:
        document = etree.fromstring(z.read("word/document.xml"))
    ours = {c.id for c in read_comments(r.result.reviewed) if c.author == "Priya Shah"}
    for tag in ("commentRangeStart", "commentRangeEnd", "commentReference"):
        for marker in document.iter(f"{W}{tag}"):
            if marker.get(f"{W}id") in ours:
                assert not any(a.tag in (f"{W}ins", f"{W}del") for a in marker.iterancestors())


def test_outputs_are_the_same_for_the_same_input_profile_and_date(tmp_path):
    source = EVAL / "04-brightwater-procedure.docx"
    first = review_document(source, PROFILE, date=dt.date(2026, 7, 1))
    second = review_document(source, PROFILE, date=dt.date(2026, 7, 1))
    assert first.reviewed == second.reviewed and first.letter == second.letter
    later = review_document(source, PROFILE, date=dt.date(2026, 7, 2))
    assert later.letter != first.letter, "the date is in the letter"


def test_the_document_can_be_named_as_its_provider_knows_it(tmp_path):
    """The web app saves uploads under names it makes up; the letter and report use the name the person gave."""
    source = tmp_path / "upload-5f3a9c.docx"
    source.write_bytes((EVAL / "04-brightwater-procedure.docx").read_bytes())
    result = review_document(source, PROFILE, date=dt.date(2026, 7, 1), name="Brightwater procedure (v3).docx")
    text = letter_text(result.letter)
    assert "Brightwater procedure (v3)-reviewed.docx" in text and "upload-5f3a9c" not in text
    assert result.report.path == "Brightwater procedure (v3).docx"
    same = review_document(EVAL / "04-brightwater-procedure.docx", PROFILE, date=dt.date(2026, 7, 1))
    assert result.reviewed == same.reviewed, "the name changes only what is said about the file"


def test_a_document_made_by_msp_docs_is_reviewed_from_its_markers(tmp_path):
    runner = CliRunner()
    built = runner.invoke(cli, ["build", str(PROFILES / "kingsmead-st-annes.yaml"), "-o", str(tmp_path), "--only", "procedure", "--date", DATE, "-q"])
    assert built.exit_code == 0, built.output
    procedure = next(tmp_path.rglob("procedure.docx"))
    reviewed = _review(procedure)
    assert reviewed.report["generated_by"] and reviewed.report["summary"]["missing"] == 0
    assert all(e["source"] == "marker" for q in reviewed.report["requirements"] if q["required"] for e in q["evidence"])
    assert_sound_review(reviewed)
    assert reviewed.result.provider == "Kingsmead & St Anne's Housing"
    assert "read from their markers" in letter_text(reviewed.result.letter)
    assert "We found everything we looked for" in letter_text(reviewed.result.letter)
    assert reply_rows(reviewed.result.letter) == []


def test_letter_says_what_was_checked_and_asks_courteously(reviewed_eval):
    r = reviewed_eval["14-castlegate-exclusions-policy.docx"]
    text = letter_text(r.result.letter)
    assert "Dear colleagues," in text and "Thank you for sharing" in text
    assert "an adult safeguarding policy" in text and "2017 numbering" in text
    assert "Castlegate Housing Society" in text, "the provider is named from the document's title"
    assert "by 29 July 2026" in text, "28 days after the review date by default"
    gaps = [q for q in r.report["requirements"] if q["required"] and q["status"] != "covered"]
    by_id = {q["id"]: q for q in gaps}
    assert sorted(g.result.id for g in r.result.gaps) == sorted(by_id)
    for number, gap in enumerate(r.result.gaps, start=1):
        assert gap.number == number
        assert f"{number}. {label(by_id[gap.result.id])}" in text, "each gap is asked for, numbered as in the reply form"
    # Every gap on a paragraph says how far its number is verified.
    for q in gaps:
        if q["kind"] == "paragraph":
            assert re.search(rf"Guidance: paragraph {re.escape(q['id'])} \(2017 numbering\); (number confirmed|wording confirmed|wording and number as|number worked out)", text), q["id"]
    for rude in ("fail", "must immediately", "unacceptable", "you have not"):
        assert rude not in text.lower()


def test_signatory_falls_back_to_the_operational_lead(tmp_path):
    result = review_document(EVAL / "16-willowcourt-sheltered-qa.docx", PROFILES / "kingsmead-st-annes.yaml", date=dt.date(2026, 7, 1), respond_by=dt.date(2026, 8, 14), to="Larchfield Housing Trust")
    from msp_docs.profile import load_profile

    lead = load_profile(PROFILES / "kingsmead-st-annes.yaml").data["people"]["operational_lead"]
    text = letter_text(result.letter)
    assert lead["name"] in text and lead["job_title"] in text and "14 August 2026" in text
    assert result.provider == "Larchfield Housing Trust" and result.provider_source == "--to"
    authors = {c.author for c in read_comments(result.reviewed)}
    assert lead["name"] in authors


# --------------------------------------------------------------------------- the command


def test_cli_writes_both_files_exits_3_on_gaps_and_refuses_to_overwrite(tmp_path):
    source = EVAL / "05-kestrelvale-repairs-spec.docx"
    before = sha256(source)
    args = ["review", str(source), "--profile", str(PROFILE), "-o", str(tmp_path), "--date", DATE]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 3, result.output
    reviewed, letter = tmp_path / "05-kestrelvale-repairs-spec-reviewed.docx", tmp_path / "05-kestrelvale-repairs-spec-letter.docx"
    assert reviewed.exists() and letter.exists()
    assert "comment(s) at the evidence" in result.output and "request(s), reply by 2026-07-29" in result.output
    assert sha256(source) == before
    stamp = reviewed.stat().st_mtime_ns
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "already exist" in again.output and "--force" in again.output
    assert reviewed.stat().st_mtime_ns == stamp
    forced = CliRunner().invoke(cli, [*args, "--force"])
    assert forced.exit_code == 3
    assert reviewed.read_bytes() == review_document(source, PROFILE, date=dt.date(2026, 7, 1)).reviewed
    assert not list(tmp_path.glob(".*.tmp")), "no temporary file is left behind"


def test_cli_pdf_gets_the_letter_only_and_says_why(tmp_path):
    result = CliRunner().invoke(cli, ["review", str(EVAL / "06-fernhill-gas-spec.pdf"), "--profile", str(PROFILE), "-o", str(tmp_path), "--date", DATE, "--to", "Fernhill Homes"])
    assert result.exit_code == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["06-fernhill-gas-spec-letter.docx"]
    assert "no marked-up copy" in result.output and "it is a PDF" in result.output
    assert "You sent the document as a PDF" in letter_text((tmp_path / "06-fernhill-gas-spec-letter.docx").read_bytes())


def test_a_macro_enabled_document_gets_the_letter_only_and_no_macro_runs(tmp_path):
    sentinel = tmp_path / "macro-ran"
    source = hostile.docm(tmp_path, sentinel=sentinel)
    result = review_document(source, PROFILE, date=dt.date(2026, 7, 1), baseline="contract")
    assert result.reviewed is None and result.no_copy == "docm" and not sentinel.exists()
    assert "macro-enabled" in letter_text(result.letter) and len(reply_rows(result.letter)) == len(result.report.gaps)


HOSTILE = {
    "billion-laughs": (lambda d: hostile.billion_laughs(d), "declares a DTD or entities"),
    "external-entity": (lambda d: hostile.external_entity(d, "file:///etc/passwd", "xxe.docx"), "declares a DTD or entities"),
    "lying-zip": (lambda d: hostile.lying_zip(d, megabytes=20), "more data than the zip declares"),
    "member-outside": (lambda d: hostile.hostile_member_name(d, "../evil.xml", "dotdot.docx"), "points outside the document"),
    "truncated-zip": (lambda d: hostile.truncated_zip(d), "damaged"),
    "tables-nested-300-deep": (lambda d: hostile.nested_tables(d, 300), "nested too deeply"),
    "random-bytes": (lambda d: hostile.random_bytes(d), "not a document msp-docs can read"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_documents_are_refused_naming_the_file_and_nothing_is_written(tmp_path, case):
    make, message = HOSTILE[case]
    folder = tmp_path / "in"
    folder.mkdir()
    source = make(folder)
    before = sha256(source)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["review", str(source), "--profile", str(PROFILE), "-o", str(out), "--date", DATE])
    assert result.exit_code == 2, result.output
    assert message in result.output and source.name in result.output and "Traceback" not in result.output
    assert not out.exists() or list(out.iterdir()) == []
    assert sha256(source) == before


@pytest.mark.slow
def test_a_document_too_large_to_edit_gets_the_letter_only(tmp_path):
    """More XML than msp-docs loads whole (48 MB) in fewer paragraphs than check reads: the letter says why there is no copy."""
    look = '<w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:cs="Arial"/><w:color w:val="1A1A1A"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-GB"/></w:rPr>'
    paragraph = f'<w:p><w:r>{look * 12}<w:t>Rate {{n}}: code {{code}}.</w:t></w:r></w:p>'
    # Codes that differ line by line, so the part compresses like real text, not like a zip bomb.
    body = "".join(paragraph.format(n=n, code=hashlib.sha256(str(n).encode()).hexdigest()) for n in range(26_000))
    document = hostile.DOCUMENT_HEAD + body + hostile.DOCUMENT_TAIL
    assert len(document) > 48_000_000
    source = hostile.write_docx(tmp_path / "rates.docx", hostile.minimal_parts(document, title="Schedule of rates"))
    result = review_document(source, PROFILE, date=dt.date(2026, 7, 1), to="Example Contractor Ltd")
    assert result.reviewed is None and result.no_copy == "too_large"
    assert "too large for us to return with comments" in letter_text(result.letter)


def test_cli_exits_0_when_nothing_is_missing(tmp_path):
    built = CliRunner().invoke(cli, ["build", str(PROFILES / "kingsmead-st-annes.yaml"), "-o", str(tmp_path / "b"), "--only", "policy", "--date", DATE, "-q"])
    assert built.exit_code == 0, built.output
    result = CliRunner().invoke(cli, ["review", str(next((tmp_path / "b").rglob("policy.docx"))), "--profile", str(PROFILE), "-o", str(tmp_path), "--date", DATE])
    assert result.exit_code == 0, result.output
    assert "0 request(s)" in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["--respond-by", "2026-06-01"], "is before the date of the review"),
        (["--profile", str(FIXTURES / "profiles" / "lead-missing-email.yaml")], "email"),
    ],
)
def test_cli_bad_options_exit_2_without_writing(tmp_path, args, message):
    base = ["review", str(EVAL / "04-brightwater-procedure.docx"), "--profile", str(PROFILE), "-o", str(tmp_path), "--date", DATE]
    result = CliRunner().invoke(cli, base + args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_cli_uses_your_letter_template_and_names_a_broken_one(tmp_path):
    import shutil

    ours = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", ours)
    base = ["review", str(EVAL / "04-brightwater-procedure.docx"), "--profile", str(PROFILE), "--date", DATE, "--templates", str(ours)]
    result = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "a")])
    assert result.exit_code == 3, result.output
    shutil.copyfile(ours / "policy.docx", ours / "letter.docx")  # a template made for another document
    broken = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "b")])
    assert broken.exit_code == 2 and "letter.docx" in broken.output and "Traceback" not in broken.output
    assert not (tmp_path / "b").exists() or list((tmp_path / "b").iterdir()) == []


def test_cli_bad_document_exits_2(tmp_path):
    bad = tmp_path / "broken.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    result = CliRunner().invoke(cli, ["review", str(bad), "--profile", str(PROFILE), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "broken.docx" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.docx"]


# --------------------------------------------------------------------------- LibreOffice opens what review writes


def _convert_all(files: list[Path], out: Path) -> dict[str, Path]:
    """Convert many files to PDF in one LibreOffice run, comments exported as PDF notes."""
    soffice = require_soffice()
    profile = out / "lo-profile"
    command = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to",
               'pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}', "--outdir", str(out), *map(str, files)]
    subprocess.run(command, capture_output=True, timeout=900, check=False)
    return {f.name: out / (f.stem + ".pdf") for f in files}


def _pdf_notes(pdf: Path) -> list[str]:
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(str(pdf))
    notes = []
    try:
        for index in range(len(document)):
            page = document[index]
            for j in range(raw.FPDFPage_GetAnnotCount(page.raw)):
                annot = raw.FPDFPage_GetAnnot(page.raw, j)
                if raw.FPDFAnnot_GetSubtype(annot) == raw.FPDF_ANNOT_TEXT:
                    size = raw.FPDFAnnot_GetStringValue(annot, b"Contents", None, 0)
                    buffer = ctypes.create_string_buffer(size)
                    raw.FPDFAnnot_GetStringValue(annot, b"Contents", ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size)
                    notes.append(buffer.raw[: max(size - 2, 0)].decode("utf-16-le", "replace"))
                raw.FPDFPage_CloseAnnot(annot)
    finally:
        document.close()
    return notes


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_converts_both_outputs_and_shows_the_comments(request, tmp_path):
    reviews = all_reviews(request)
    files: list[Path] = []
    expected_notes: dict[str, int] = {}
    for index, r in enumerate(reviews):
        if r.result.reviewed is not None:
            path = tmp_path / f"{index:02d}-{r.source.stem}-reviewed.docx"
            path.write_bytes(r.result.reviewed)
            files.append(path)
            expected_notes[path.name] = len(r.result.comments)
        path = tmp_path / f"{index:02d}-{r.source.stem}-letter.docx"
        path.write_bytes(r.result.letter)
        files.append(path)
    pdfs = _convert_all(files, tmp_path)
    failed = [name for name, pdf in pdfs.items() if not pdf.exists() or pdf.stat().st_size < 1000]
    assert failed == [], f"LibreOffice could not convert: {failed}"
    for name, count in expected_notes.items():
        notes = _pdf_notes(pdfs[name])
        ours = [n for n in notes if n.startswith(("Summary of our review", "Covers:"))]
        assert len(ours) == count, f"{name}: LibreOffice shows {len(ours)} of the {count} comments"
