"""Page 4, check: upload documents, choose the baseline and edition, see the coverage report and
download it as JSON, CSV or Word, or go on to review a document. The check runs in a worker
thread; the page shows progress."""

from __future__ import annotations

import dataclasses
import io

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for

from msp_docs.check import BASELINE_CHOICES, CoverageReport
from msp_docs.errors import MspDocsError
from msp_docs.web.jobs import job_status, this_sessions_job, unfinished_page
from msp_docs.web.session import session_id
from msp_docs.web.uploads import UploadError, UploadFolder, chosen_files, in_their_names

blueprint = Blueprint("check", __name__)

EDITIONS = (("2017", "2017 (the current numbering)"), ("2014", "October 2014 (the numbering the original checklist used)"))
ACCEPT = ".docx,.pdf,.txt,.md,.markdown"
DOWNLOADS = {"json": ("application/json", "coverage.json"), "csv": ("text/csv; charset=utf-8", "coverage.csv"), "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "coverage.docx")}


@dataclasses.dataclass(frozen=True)
class CheckedFile:
    """One uploaded file's outcome: its report and its bytes (kept in memory, to review it), or the message that refused it."""

    name: str
    report: CoverageReport | None
    message: str | None
    data: bytes | None = None


def _jobs():
    return current_app.extensions["msp_docs_jobs"]


@blueprint.get("/check")
def start(error: str | None = None, status: int = 200):
    """The upload form."""
    return render_template(
        "check_start.html", section="check", title="Check documents", error=error, baselines=BASELINE_CHOICES, editions=EDITIONS, accept=ACCEPT,
        max_files=current_app.config["MAX_FILES"], max_mb=current_app.config["MAX_FILE_BYTES"] // (1024 * 1024),
        baseline=request.form.get("baseline", "auto"), edition=request.form.get("edition", "2017"),
    ), status


@blueprint.post("/check")
def submit():
    """Save the uploads in a temporary folder and check them in a worker thread."""
    baseline = request.form.get("baseline", "auto")
    edition = request.form.get("edition", "2017")
    if baseline != "auto" and baseline not in BASELINE_CHOICES:
        return start(error=f"'{baseline}' is not a kind of document; choose one from the list", status=422)
    if edition not in dict(EDITIONS):
        return start(error=f"'{edition}' is not an edition of the guidance; choose 2017 or 2014", status=422)
    folder = UploadFolder(current_app.config["MAX_FILE_BYTES"])
    try:
        files = chosen_files(request.files.getlist("files"), current_app.config["MAX_FILES"])
        for storage in files:
            folder.save(storage)
    except UploadError as err:
        folder.remove()
        message = "Choose one or more documents to check" if str(err) == "Choose a file first" else str(err)
        return start(error=message, status=422 if "at most" not in message and "larger" not in message else 413)
    except BaseException:
        folder.remove()
        raise
    uploads = list(folder.uploads)

    def work(job):
        from msp_docs.check import check_many

        outcomes = check_many([str(u.path) for u in uploads], baseline=baseline, edition=edition, jobs=1, on_result=lambda _o: job.step())
        return [_checked(upload, outcome, uploads) for upload, outcome in zip(uploads, outcomes)]

    job = _jobs().submit(session_id(), "check", len(uploads), work, cleanup=folder.remove)
    return redirect(url_for(".result", job_id=job.id), code=303)


def _checked(upload, outcome, uploads) -> CheckedFile:
    if outcome.error is not None:
        error = outcome.error
        text = str(error) if isinstance(error, MspDocsError) else f"msp-docs could not read this file ({type(error).__name__})"
        return CheckedFile(upload.name, None, in_their_names(text, uploads))
    report = dataclasses.replace(outcome.report, path=upload.name, warnings=tuple(in_their_names(w, uploads) for w in outcome.report.warnings))
    return CheckedFile(upload.name, report, None, upload.path.read_bytes())


def _job(job_id: str):
    return this_sessions_job("check", job_id)


@blueprint.get("/check/<job_id>")
def result(job_id: str):
    """Progress while the check runs; then the report."""
    job = _job(job_id)
    unfinished = unfinished_page(job, section="check", title="Checking documents", failed_title="The check did not finish")
    if unfinished is not None:
        return unfinished
    from msp_docs.report import STATUS_SYMBOL, matrix_rows, ordered_results, percent_covered, review_queue

    reports = [c.report for c in job.result if c.report is not None]
    positions = [n for n, c in enumerate(job.result) if c.report is not None]  # where each report's file is, for its review link
    return render_template(
        "check_report.html", section="check", title="Coverage report", job=job, checked=job.result, reports=reports, positions=positions,
        rows=list(matrix_rows(reports)) if len(reports) > 1 else [], ordered=ordered_results, queue=review_queue, percent=percent_covered, symbols=STATUS_SYMBOL,
    )


@blueprint.get("/check/<job_id>/status")
def status(job_id: str):
    """Progress as JSON, for the page's script."""
    return job_status(_job(job_id))


@blueprint.get("/check/<job_id>/coverage.<fmt>")
def download(job_id: str, fmt: str):
    """The report as JSON, CSV or a Word document, made by the same functions as ``check --format``."""
    from msp_docs.report import render

    job = _job(job_id)
    if fmt not in DOWNLOADS or job.state != "done":
        abort(404)
    reports = [c.report for c in job.result if c.report is not None]
    if not reports:
        abort(404)
    mimetype, name = DOWNLOADS[fmt]
    return send_file(io.BytesIO(render(reports, fmt)), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
