"""The coverage checker: markers, edited and deleted clauses, citations, false friends, negation."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from msp_docs.build import build_profile
from msp_docs.check import check_document
from msp_docs.cli import cli
from msp_docs.plan import documents_for, plan_document
from msp_docs.profile import load_profile

ROOT = Path(__file__).resolve().parent.parent
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@pytest.fixture(scope="module")
def policy(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("policy")
    result = build_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml", out, only=["policy"], date=dt.date(2026, 4, 1))
    return Path(result.documents[0].path)


def _rewrite(source: Path, target: Path, edit) -> Path:
    with zipfile.ZipFile(source) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["word/document.xml"] = edit(members["word/document.xml"].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return target


def _clause_span(xml: str, clause: str) -> tuple[int, int]:
    """Start of the paragraph holding the clause's bookmarkStart, end of the one holding its end."""
    start = re.search(rf'<w:bookmarkStart w:id="(\d+)" w:name="msp_{clause.replace("-", "_")}_[0-9a-f]{{7}}"/>', xml)
    para_start = xml.rfind("<w:p>", 0, start.start())
    end_mark = xml.index(f'<w:bookmarkEnd w:id="{start.group(1)}"/>', start.end())
    para_end = xml.index("</w:p>", end_mark) + len("</w:p>")
    # The clause may end inside a table: cut to the end of that table.
    table_end = xml.find("</w:tbl>", end_mark)
    next_para = xml.find("<w:p>", end_mark)
    if table_end != -1 and (next_para == -1 or table_end < next_para):
        para_end = table_end + len("</w:tbl>")
    return para_start, para_end


def test_generated_document_is_fully_covered_by_markers(policy):
    report = check_document(policy)
    assert report.baseline == "policy" and report.generated_by.startswith("msp-docs")
    assert report.summary == {"required": 58, "covered": 58, "partial": 0, "missing": 0}
    assert all(c.status == "intact" for c in report.clauses)
    advocacy = report.result("advocacy")
    assert advocacy.evidence[0].source == "marker" and "Independent advocacy" in advocacy.evidence[0].quote


def test_deleting_a_clause_reports_exactly_that_gap(policy, tmp_path):
    profile = load_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml")
    full = plan_document(profile, documents_for(profile, ["policy"])[0])
    only_advocacy = {rid for rid, ids in full.covered_by.items() if ids == ("pol-advocacy",) and rid in full.required}

    def delete(xml: str) -> str:
        start, end = _clause_span(xml, "pol-advocacy")
        return xml[:start] + xml[end:]

    edited = _rewrite(policy, tmp_path / "deleted.docx", delete)
    report = check_document(edited)
    assert {g.id for g in report.gaps} == only_advocacy
    assert all(report.result(rid).status == "missing" for rid in only_advocacy)
    assert "pol-advocacy" not in {c.id for c in report.clauses}


def test_a_tracked_deletion_of_a_clause_reports_the_same_gap(policy, tmp_path):
    def track_delete(xml: str) -> str:
        start, end = _clause_span(xml, "pol-advocacy")
        chunk = xml[start:end]
        chunk = re.sub(r"<w:r>(.*?)</w:r>", lambda m: '<w:del w:id="9001" w:author="Reviewer" w:date="2026-05-01T00:00:00Z"><w:r>' + m.group(1).replace("<w:t>", "<w:delText>").replace("<w:t xml:space=\"preserve\">", "<w:delText xml:space=\"preserve\">").replace("</w:t>", "</w:delText>") + "</w:r></w:del>", chunk, flags=re.S)
        return xml[:start] + chunk + xml[end:]

    report = check_document(_rewrite(policy, tmp_path / "tracked.docx", track_delete))
    assert {g.id for g in report.gaps} == {"14.10", "14.48", "14.54", "14.80", "advocacy"}


def test_an_edited_clause_is_reported_modified_and_judged_on_its_text(policy, tmp_path):
    def edit(xml: str) -> str:
        start, end = _clause_span(xml, "pol-records")
        chunk = xml[start:end].replace("record", "note down", 1)
        return xml[:start] + chunk + xml[end:]

    report = check_document(_rewrite(policy, tmp_path / "edited.docx", edit))
    states = {c.id: c.status for c in report.clauses}
    assert states["pol-records"] == "modified"
    assert any("pol-records" in w for w in report.warnings)
    records = report.result("record-keeping")
    assert records.status == "covered" and {e.source for e in records.evidence} == {"text"}


def _check_text(tmp_path, text: str, name: str = "doc.txt", **kwargs):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(path, **kwargs)


@pytest.mark.parametrize(
    "sentence",
    [
        "This policy follows paragraph 14.13 of the Care and Support Statutory Guidance.",
        "This policy follows para 14.13 of the statutory guidance.",
        "This policy meets the Care and Support Statutory Guidance (CSSG 14.13).",
        "We follow the Care and Support Statutory Guidance. Our approach reflects 14.13 in full.",
    ],
)
def test_a_citation_without_substance_is_partial(tmp_path, sentence):
    report = _check_text(tmp_path, f"Housing policy\n\n{sentence}\n")
    result = report.result("14.13")
    assert result.status == "partial" and result.cited
    assert "cited by number" in result.note


def test_the_seed_slip_and_the_2014_numbering_are_understood(tmp_path):
    slip = _check_text(tmp_path, "Policy\n\nSee paragraph 4.13 of the statutory guidance.\n", "slip.txt")
    assert slip.result("14.13").cited
    older = _check_text(tmp_path, "Policy\n\nWe meet paragraph 14.29 of the statutory guidance.\n", "older.txt", edition="2014")
    assert older.result("2014-14.29").cited and older.result("14.36").cited
    newer = _check_text(tmp_path, "Policy\n\nWe meet paragraph 14.29 of the statutory guidance.\n", "newer.txt", edition="2017")
    assert not newer.result("2014-14.29").cited


def test_typed_clause_numbers_are_not_citations(tmp_path):
    report = _check_text(tmp_path, "Repairs contract\n\n14.13 The Contractor shall keep the van tidy.\n\n1.1 Definitions apply.\n")
    assert not report.result("14.13").cited and not report.result("1.1").cited


@pytest.mark.parametrize(
    "theme, sentence",
    [
        ("principle-prevention", "We are committed to the prevention of damp and mould in every home."),
        ("information-sharing", "Under data protection law we share your personal data with our contractors to carry out repairs."),
        ("principle-partnership", "Our partnership with a developer will deliver 200 new homes."),
        ("principle-accountability", "The Board is accountable for the association's financial performance."),
        ("training", "All operatives complete health and safety training every year."),
    ],
)
def test_words_in_another_sense_do_not_count(tmp_path, theme, sentence):
    report = _check_text(tmp_path, f"Policy\n\n{sentence}\n")
    assert report.result(theme).status == "missing"


def test_a_negation_does_not_count(tmp_path):
    report = _check_text(tmp_path, "Policy\n\nThis policy does not cover self-neglect or hoarding, which are dealt with under our tenancy procedure.\n")
    assert report.result("types-of-abuse").status == "missing"


def test_auto_baseline_guesses_from_the_title(tmp_path):
    assert _check_text(tmp_path, "Gas servicing specification\n\nThe contractor shall service boilers.\n", "a.txt").baseline == "contract"
    assert _check_text(tmp_path, "Procedure for reporting a concern\n\nRing us.\n", "b.txt").baseline == "procedure"
    assert _check_text(tmp_path, "Tenant handbook\n\nWelcome.\n", "c.txt").baseline == "policy"


def test_cli_exit_codes(policy, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", str(policy)])
    assert ok.exit_code == 0, ok.stderr
    assert "58 of 58 required covered" in ok.output
    gaps = (tmp_path / "thin.txt")
    gaps.write_text("Safeguarding policy\n\nWe care about residents.\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", str(gaps)])
    assert result.exit_code == 3
    assert "missing" in result.output
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = runner.invoke(cli, ["check", str(bad), str(policy)])
    assert result.exit_code == 2
    assert "old Word 97-2003 document" in result.stderr and "Traceback" not in result.stderr
    assert "58 of 58 required covered" in result.output, "the good file is still reported"


def test_a_document_with_almost_no_text_says_so(tmp_path):
    path = tmp_path / "cover-sheet.txt"
    path.write_text("Adult Safeguarding Policy\n\nVersion 2, approved by the Board.\n", encoding="utf-8")
    report = check_document(path)
    assert any("only 9 words of text, too little to judge" in w for w in report.warnings), report.warnings
    longer = tmp_path / "statement.txt"
    longer.write_text("Safeguarding statement\n\n" + "We report every adult safeguarding concern to the council the same day. " * 6, encoding="utf-8")
    assert not any("too little to judge" in w for w in check_document(longer).warnings)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Code of Conduct for Operatives Working in Residents' Homes", "contract"),
        ("Supplier Code of Conduct", "contract"),
        ("Method Statement: Working in Occupied Homes", "contract"),
        ("Domestic Abuse Policy", "policy"),
        ("Responding to a safeguarding concern", "procedure"),
    ],
)
def test_the_baseline_is_guessed_from_what_the_title_says(tmp_path, title, kind):
    path = tmp_path / "doc.md"
    path.write_text(f"# {title}\n\n## What to do\n\nAdult safeguarding concerns go to the Safeguarding Lead the same day.\n", encoding="utf-8")
    assert check_document(path).baseline == kind


def test_a_document_about_something_else_says_so(tmp_path):
    path = tmp_path / "health-and-safety.md"
    path.write_text("# Health and Safety Policy\n\n## Fire safety\n\nWe test fire alarms every week and train fire wardens every year.\n" * 3, encoding="utf-8")
    report = check_document(path)
    assert report.subject == "passing"
    assert any("this document is not about adult safeguarding" in w for w in report.warnings)
    assert not any(r.status == "covered" for r in report.results)
