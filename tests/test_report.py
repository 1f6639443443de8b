"""Report formats: stable JSON, text, Markdown, a self-contained HTML matrix, CSV and Word."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from msp_docs import __version__
from msp_docs.build import build_profile
from msp_docs.check import check_document
from msp_docs.cli import cli
from msp_docs.report import render

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval" / "documents"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    built = build_profile(ROOT / "profiles" / "flameguard-gas-services.yaml", out, only=["policy"], date=dt.date(2026, 4, 1))
    return [check_document(built.documents[0].path), check_document(EVAL / "06-fernhill-gas-spec.pdf"), check_document(EVAL / "09-marlowe-health-safety.docx")]


def test_json_has_the_stable_shape(reports):
    data = json.loads(render(reports, "json"))
    assert data["tool"] == {"name": "msp-docs", "version": __version__}
    assert len(data["documents"]) == 3
    for document in data["documents"]:
        assert {"path", "baseline", "summary", "requirements"} <= set(document)
        assert set(document["summary"]) == {"required", "covered", "partial", "missing"}
        assert document["summary"]["required"] == sum(r["required"] for r in document["requirements"])
        for requirement in document["requirements"]:
            assert {"id", "kind", "title", "status", "required", "evidence"} <= set(requirement)
            assert requirement["kind"] in ("paragraph", "theme")
            assert requirement["status"] in ("covered", "partial", "missing")
            for evidence in requirement["evidence"]:
                assert set(evidence) >= {"quote", "location", "source"} and evidence["source"] in ("marker", "text")
    ids = [r["id"] for r in data["documents"][0]["requirements"]]
    assert "14.13" in ids and "principle-empowerment" in ids and len(ids) == len(set(ids))


def test_text_report_lists_gaps_with_evidence(reports):
    text = render(reports, "text").decode("utf-8")
    assert "policy.docx: 58 of 58 required covered" in text
    assert "09-marlowe-health-safety.docx:" in text and "missing" in text
    assert "3 documents checked" in text


def test_markdown_report_has_a_table_per_document(reports):
    text = render(reports, "markdown").decode("utf-8")
    assert text.count("| Status | Requirement | Title | Evidence |") == 3
    assert "`principle-empowerment`" in text


def test_html_matrix_is_self_contained_and_colour_coded(reports):
    page = render(reports, "html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="en-GB"' in page
    assert not re.search(r"<(script|link|img|iframe)\b", page), "no external assets or scripts"
    assert not re.search(r"(src|href)=\"https?:", page)
    assert 'class="covered"' in page and 'class="missing' in page
    assert "Per-theme coverage" in page and "Worth a human look first" in page
    for report in reports:
        assert Path(report.path).name in page


def test_csv_matrix_has_a_column_per_document_and_percentages(reports):
    rows = list(csv.reader(io.StringIO(render(reports, "csv").decode("utf-8"))))
    header = rows[0]
    assert header[:3] == ["requirement", "kind", "title"] and header[-1] == "covered in"
    assert len(header) == 3 + 3 + 1
    body = {row[0]: row for row in rows[2:] if row and row[0] and not row[0].startswith("legend")}
    assert body["principle-empowerment"][3] == "covered"
    assert body["all required"][3] == "100%"
    assert all(cell.endswith("%") or cell == "" for cell in body["principle-empowerment"][-1:])


def test_word_report_opens_and_has_a_header_row(reports, tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(render(reports, "docx", date=dt.date(2026, 4, 1)))
    document = docx.Document(str(path))
    assert document.core_properties.title == "Adult safeguarding coverage report"
    assert len(document.tables) == 3
    first_row = document.tables[0].rows[0]._tr
    assert first_row.find(".//{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "policy.docx" in headings


def test_cli_writes_reports_to_files(tmp_path):
    runner = CliRunner()
    target = tmp_path / "matrix.html"
    result = runner.invoke(cli, ["check", str(EVAL), "--format", "html", "-o", str(target)])
    assert result.exit_code == 3, result.stderr
    assert target.read_text(encoding="utf-8").count("<th scope=\"col\">") >= 18
    again = runner.invoke(cli, ["check", str(EVAL / "01-harbourside-policy.docx"), "--format", "html", "-o", str(target)])
    assert again.exit_code == 2 and "--force" in again.stderr
    result = runner.invoke(cli, ["check", str(EVAL / "01-harbourside-policy.docx"), "--format", "docx"])
    assert result.exit_code == 2 and "give its name with -o" in result.stderr


def test_every_verdict_says_how_sure_it_is_and_the_doubtful_ones_come_first(reports):
    data = json.loads(render(reports, "json"))
    for document in data["documents"]:
        for requirement in document["requirements"]:
            assert 0 <= requirement["confidence"] <= 1
            assert isinstance(requirement["review"], bool)
            assert requirement["basis"]
    marked = [r for r in data["documents"][0]["requirements"] if r["evidence"] and r["evidence"][0]["source"] == "marker"]
    assert marked and all(not r["review"] for r in marked)  # an intact msp-docs clause is not in doubt
    gas = reports[1]
    queued = [r for r in gas.results if r.required and r.review]
    assert queued, "a gas specification with one passing sentence has doubtful verdicts"
    text = render([gas], "text").decode()
    head = text.index("worth a human look first")
    assert all(text.index(f" {r.id}: ") > head for r in queued)
    assert text.index(f" {queued[0].id}: ") < text.index("the rest")
    page = render([gas], "html").decode()
    assert "% sure" in page and " ?" in page
