"""Coverage reports in every format: text for the terminal, JSON, Markdown, HTML and CSV matrices,
and a Word report a commissioner can attach to the contract file.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
from pathlib import Path

from msp_docs import __version__
from msp_docs.catalogue import COVERED, MISSING, PARTIAL, load_catalogue
from msp_docs.check import CoverageReport

FORMATS = ("text", "json", "markdown", "html", "csv", "docx")
_MARK = {COVERED: "covered", PARTIAL: "partial", MISSING: "missing"}
STATUS_SYMBOL = {COVERED: "✔", PARTIAL: "◐", MISSING: "✘"}


def render(reports: list[CoverageReport], fmt: str, *, date: dt.date | None = None) -> bytes:
    """The report in ``fmt`` as bytes (UTF-8 text, or .docx bytes)."""
    if fmt == "json":
        return (to_json(reports) + "\n").encode("utf-8")
    if fmt == "text":
        return to_text(reports).encode("utf-8")
    if fmt == "markdown":
        return to_markdown(reports).encode("utf-8")
    if fmt == "html":
        return to_html(reports).encode("utf-8")
    if fmt == "csv":
        return to_csv(reports).encode("utf-8")
    if fmt == "docx":
        return to_docx(reports, date=date)
    raise ValueError(fmt)


def _name(report: CoverageReport) -> str:
    return Path(report.path).name


def ordered_results(report: CoverageReport, required_only: bool = False):
    """One document's results in report order: themes first (in catalogue order), then paragraphs; required first."""
    items = [r for r in report.results if r.required or not required_only]
    return sorted(items, key=lambda r: (not r.required, r.kind != "theme"))


# --------------------------------------------------------------------------- JSON

def to_json(reports: list[CoverageReport]) -> str:
    """The stable JSON format: {"tool": {...}, "documents": [...]}."""
    return json.dumps(
        {"tool": {"name": "msp-docs", "version": __version__}, "documents": [r.to_json() for r in reports]},
        ensure_ascii=False,
        indent=2,
    )


# --------------------------------------------------------------------------- text

def to_text(reports: list[CoverageReport], verbose: bool = False) -> str:
    """A short report for the terminal: totals, then every gap with its evidence."""
    out: list[str] = []
    for report in reports:
        s = report.summary
        out.append(f"{_name(report)}: {s['covered']} of {s['required']} required covered, {s['partial']} partial, {s['missing']} missing")
        out.append(f"  baseline: {report.baseline} ({report.baseline_source}); numbering: {report.edition}" + (f"; made by {report.generated_by}" if report.generated_by else ""))
        for warning in report.warnings:
            out.append(f"  note: {warning}")
        ordered = ordered_results(report, required_only=True)
        queued = review_queue(report)
        if queued:
            out.append(f"  worth a human look first ({len(queued)}: the verdicts the checker is least sure of)")
            for result in queued:
                out.extend(_text_lines(result, confidence=True))
            rest = [r for r in ordered if not r.review and (r.status != COVERED or verbose or r.weak)]
            if rest:
                out.append("  the rest")
        else:
            rest = [r for r in ordered if r.status != COVERED or verbose or r.weak]
        for result in rest:
            out.extend(_text_lines(result))
        out.append("")
    if len(reports) > 1:
        total_gaps = sum(len(r.gaps) for r in reports)
        out.append(f"{len(reports)} documents checked; {total_gaps} required requirement(s) not covered in all")
    return "\n".join(out).rstrip() + "\n"


def review_queue(report: CoverageReport) -> list:
    """The required verdicts marked for review, least sure first."""
    return sorted((r for r in ordered_results(report, required_only=True) if r.review), key=lambda r: r.confidence)


def _text_lines(result, confidence: bool = False) -> list[str]:
    line = f"  {STATUS_SYMBOL[result.status]} {result.status:8} {result.id}: {result.title}"
    if confidence:
        line += f" [{round(100 * result.confidence)}% sure]"
    if result.note:
        line += f" ({result.note})"
    lines = [line]
    for evidence in result.evidence[: (1 if result.status == COVERED else 2)]:
        lines.append(f"      \u201c{evidence.quote}\u201d ({evidence.location})")
    return lines


# --------------------------------------------------------------------------- Markdown

def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(reports: list[CoverageReport]) -> str:
    """A full report with every requirement's verdict and evidence, per document."""
    out = ["# Adult safeguarding coverage report", "", f"Made by msp-docs {__version__}.", ""]
    for report in reports:
        s = report.summary
        out += [
            f"## {_md(_name(report))}",
            "",
            f"- Title: {_md(report.title or '(none)')}",
            f"- Baseline: **{report.baseline}** ({report.baseline_source})",
            f"- Numbering of the guidance read as: {report.edition}",
            f"- Required: {s['required']}; covered {s['covered']}, partial {s['partial']}, missing {s['missing']}",
        ]
        if report.generated_by:
            out.append(f"- Made by {report.generated_by}; {sum(c.status == 'intact' for c in report.clauses)} clause(s) intact, {sum(c.status == 'modified' for c in report.clauses)} modified")
        for warning in report.warnings:
            out.append(f"- Note: {_md(warning)}")
        out += ["", "| Status | Requirement | Title | Evidence |", "|---|---|---|---|"]
        for result in ordered_results(report):
            if not result.required and result.status == MISSING:
                continue
            evidence = "<br>".join(f"“{_md(e.quote)}” — *{_md(e.location)}* ({e.source})" for e in result.evidence)
            if result.note:
                evidence = (evidence + "<br>" if evidence else "") + f"*{_md(result.note)}*"
            required = "" if result.required else " (not required)"
            out.append(f"| {STATUS_SYMBOL[result.status]} {result.status}{required} | `{result.id}` | {_md(result.title)} | {evidence} |")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------- matrix (CSV and HTML)

def matrix_rows(reports: list[CoverageReport]):
    """(requirement id, kind, title, [result per report]) for every requirement required somewhere (themes first)."""
    catalogue = load_catalogue()
    wanted = [rid for rid in catalogue.requirements if any(r.result(rid).required for r in reports)]
    themes = [rid for rid in wanted if catalogue.requirements[rid].kind == "theme"]
    paragraphs = [rid for rid in wanted if catalogue.requirements[rid].kind == "paragraph"]
    for rid in themes + paragraphs:
        requirement = catalogue.requirements[rid]
        yield rid, requirement.kind, requirement.title, [r.result(rid) for r in reports]


def percent_covered(results) -> str:
    """The share of the required results that are covered, as "75%" ("" when none is required)."""
    required = [r for r in results if r.required]
    if not required:
        return ""
    return f"{round(100 * sum(r.status == COVERED for r in required) / len(required))}%"


def to_csv(reports: list[CoverageReport]) -> str:
    """Requirements by documents: one row per requirement, one column per document, plus % covered."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["requirement", "kind", "title", *[_name(r) for r in reports], "covered in"])
    writer.writerow(["baseline", "", "", *[r.baseline for r in reports], ""])
    for rid, kind, title, results in matrix_rows(reports):
        cells = [(res.status + ("*" if res.weak else "")) if res.required else f"({res.status})" for res in results]
        writer.writerow([rid, kind, title, *cells, percent_covered(results)])
    writer.writerow(["all required", "", "", *[percent_covered(r.results) for r in reports], ""])
    writer.writerow([])
    writer.writerow(["legend: status in brackets = not required by that document's baseline; * = covered by a single sentence (weak evidence)"])
    return buffer.getvalue()


_CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;margin:2em;line-height:1.4}
h1{color:#005a70}h2{color:#005a70;margin-top:2em}
table{border-collapse:collapse;font-size:0.9em}
th,td{border:1px solid #999;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#dcebef;position:sticky;top:0}
td.covered{background:#d7f0dc}td.partial{background:#fff1c2}td.missing{background:#f9d3cf}
td.optional{opacity:0.55}td.pct{text-align:right;font-weight:bold}
.legend span{display:inline-block;padding:2px 8px;margin-right:6px;border:1px solid #999}
blockquote{margin:0.3em 0 0.6em 1em;color:#333;border-left:3px solid #ccc;padding-left:0.6em}
small{color:#555}
"""


def to_html(reports: list[CoverageReport]) -> str:
    """A self-contained page: colour-coded matrix, per-theme percentages, and the verdicts worth a human look first."""
    esc = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        "<title>Adult safeguarding coverage</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Adult safeguarding coverage</h1>",
        f"<p>{len(reports)} document(s) checked by msp-docs {esc(__version__)}. Each cell shows whether the document covers the requirement its baseline asks for.</p>",
        '<p class="legend"><span class="covered" style="background:#d7f0dc">✔ covered</span>'
        '<span style="background:#fff1c2">◐ partial</span><span style="background:#f9d3cf">✘ missing</span>'
        "<span>faded: not required by that document's baseline</span><span>* weak evidence</span><span>? worth a human look</span></p>",
        '<table><caption class="visually-hidden">Requirements by document</caption><thead><tr><th scope="col">Requirement</th>',
    ]
    for report in reports:
        out.append(f'<th scope="col">{esc(_name(report))}<br><small>{esc(report.baseline)}</small></th>')
    out.append('<th scope="col">Documents covering</th></tr></thead><tbody>')
    for rid, kind, title, results in matrix_rows(reports):
        out.append(f'<tr><th scope="row">{esc(rid)}<br><small>{esc(title)}</small></th>')
        for res in results:
            classes = res.status + ("" if res.required else " optional")
            star = ("*" if res.weak else "") + (" ?" if res.review else "")
            tip = esc(res.evidence[0].quote) if res.evidence else ""
            out.append(f'<td class="{classes}" title="{tip}">{STATUS_SYMBOL[res.status]} {res.status}{star}</td>')
        out.append(f'<td class="pct">{percent_covered(results)}</td></tr>')
    out.append('<tr><th scope="row">All required</th>')
    for report in reports:
        out.append(f'<td class="pct">{percent_covered(report.results)}</td>')
    out.append("<td></td></tr></tbody></table>")

    out.append("<h2>Per-theme coverage</h2><table><thead><tr><th scope=\"col\">Theme</th><th scope=\"col\">Documents that need it</th><th scope=\"col\">Covered</th></tr></thead><tbody>")
    for rid, kind, title, results in matrix_rows(reports):
        if kind != "theme":
            continue
        need = [r for r in results if r.required]
        out.append(f"<tr><th scope=\"row\">{esc(title)}</th><td>{len(need)}</td><td class=\"pct\">{percent_covered(results)}</td></tr>")
    out.append("</tbody></table>")

    out.append("<h2>Worth a human look first</h2>")
    judgement = [(report, res) for report in reports for res in review_queue(report)]
    if not judgement:
        out.append("<p>Nothing: every verdict rests on evidence the checker reads reliably.</p>")
    else:
        out.append("<p>The verdicts the checker is least sure of, least sure first; the percentage is how often such verdicts agreed with careful readers.</p><ul>")
        for report, res in sorted(judgement, key=lambda item: item[1].confidence):
            out.append(
                f"<li><strong>{esc(_name(report))}</strong>: {esc(res.id)} {esc(res.title)} — {esc(res.status)}, {round(100 * res.confidence)}% sure"
                + (f" ({esc(res.note)})" if res.note else "")
            )
            for evidence in res.evidence[:2]:
                out.append(f"<blockquote>{esc(evidence.quote)}<br><small>{esc(evidence.location)}</small></blockquote>")
            out.append("</li>")
        out.append("</ul>")

    out.append("<h2>Gaps</h2>")
    for report in reports:
        gaps = [g for g in report.gaps if g.status == MISSING]
        out.append(f"<h3>{esc(_name(report))}</h3>")
        if not gaps:
            out.append("<p>No required requirement is missing.</p>")
        else:
            out.append("<ul>" + "".join(f"<li>{esc(g.id)}: {esc(g.title)}</li>" for g in gaps) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- Word

def to_docx(reports: list[CoverageReport], *, date: dt.date | None = None) -> bytes:
    """A Word report: summary, gaps, and every requirement with its evidence, per document."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Cm, Pt

    from msp_docs import _ooxml

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(2.0)
    styles = document.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(10)
    lang = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="en-GB"/>'))
    document.add_heading("Adult safeguarding coverage report", level=0)
    document.add_paragraph(
        f"Made by msp-docs {__version__}. It shows which paragraphs of the Care and Support Statutory Guidance "
        "(chapter 14) and which safeguarding themes each document covers, with quotations, and what is missing. "
        "Verdicts from text are a guide for a reviewer, not a legal opinion."
    )
    for report in reports:
        s = report.summary
        document.add_heading(_name(report), level=1)
        document.add_paragraph(
            f"Baseline: {report.baseline} ({report.baseline_source}). Of {s['required']} required: "
            f"{s['covered']} covered, {s['partial']} partial, {s['missing']} missing."
        )
        for warning in report.warnings:
            document.add_paragraph(warning, style="List Bullet")
        gaps = report.gaps
        if gaps:
            document.add_heading("Gaps", level=2)
            for gap in gaps:
                document.add_paragraph(f"{gap.id} ({gap.status}): {gap.title}" + (f" — {gap.note}" if gap.note else ""), style="List Bullet")
        document.add_heading("All requirements", level=2)
        rows = [r for r in ordered_results(report) if r.required or r.status != MISSING]
        table = document.add_table(rows=1, cols=4)
        table.style = styles["Table Grid"]
        header = table.rows[0]
        for cell, text in zip(header.cells, ("Requirement", "Title", "Status", "Evidence")):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        header._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
        fills = {COVERED: "D7F0DC", PARTIAL: "FFF1C2", MISSING: "F9D3CF"}
        for res in rows:
            cells = table.add_row().cells
            cells[0].text = res.id
            cells[1].text = res.title
            cells[2].text = res.status + ("" if res.required else " (not required)") + (" (weak)" if res.weak else "")
            cells[2]._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fills[res.status]}"/>'))
            lines = [f"“{e.quote}” ({e.location})" for e in res.evidence]
            if res.note:
                lines.append(res.note)
            cells[3].text = "\n".join(lines)
        for row in table.rows:
            for cell, width in zip(row.cells, (Cm(2.6), Cm(6.0), Cm(3.0), Cm(14.0))):
                cell.width = width
    when = date or dt.date.today()
    props = document.core_properties
    props.title = "Adult safeguarding coverage report"
    props.author = f"msp-docs {__version__}"
    props.language = "en-GB"
    props.created = props.modified = dt.datetime(when.year, when.month, when.day, 9, 0, 0)
    props.last_modified_by = f"msp-docs {__version__}"
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _ooxml.deterministic_zip(buffer.getvalue(), when)
