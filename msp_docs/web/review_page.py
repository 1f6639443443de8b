"""Page 5, review: a provider's document back with Word comments at the evidence, and a letter asking
for what is missing, made by ``review_document`` exactly as ``msp-docs review`` makes them.

A commissioner starts from a document they have just checked (each document on the report page
links here; its bytes were kept in memory with the report) or uploads one here. They choose their
organisation's profile and, if they like, the date to reply by and the provider's name, and
download the marked-up copy, the letter, or both in a .zip. Nothing is saved in the workspace.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for

from msp_docs.check import BASELINE_CHOICES
from msp_docs.errors import MspDocsError, OptionError, ProfileError
from msp_docs.web import workspace
from msp_docs.web.check_page import ACCEPT, EDITIONS
from msp_docs.web.jobs import this_sessions_job
from msp_docs.web.session import session_id
from msp_docs.web.uploads import UploadError, UploadFolder, chosen_files, display_name, in_their_names

blueprint = Blueprint("review", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_PROVIDER_NAME = 200
# The form's fields in the order they are shown (the error summary lists problems in this order).
FIELDS = (("document", "The provider's document"), ("profile", "Your organisation's profile"), ("respond_by", "Reply by"), ("to", "Provider's name"))


@dataclass(frozen=True)
class ReviewedDocument:
    """A finished review, kept in memory for an hour for download: the files and what the result page says."""

    name: str
    reviewed: bytes | None
    letter: bytes
    reviewed_name: str
    letter_name: str
    baseline: str
    summary: dict
    comments: int  # at the evidence (the summary comment is not counted)
    existing_comments: int
    no_copy_reason: str | None
    provider: str
    provider_source: str
    respond_by: dt.date
    requests: int
    again: str  # the form this review came from, to review it again with other details
    report: str | None  # the coverage report it came from, if any


def _store():
    return current_app.extensions["msp_docs_jobs"]


def _valid_profiles():
    return [e for e in workspace.profile_entries() if e.problem is None]


def _checked_file(job_id: str, index: int):
    """A document this session checked, with its bytes, or 404."""
    job = this_sessions_job("check", job_id)
    if job.state != "done" or not 0 <= index < len(job.result):
        abort(404)
    checked = job.result[index]
    if checked.report is None or checked.data is None:
        abort(404)
    return checked


def _form(*, checked=None, job_id: str | None = None, index: int | None = None, problems: dict | None = None, status: int = 200):
    problems = problems or {}
    profiles = _valid_profiles()
    chosen = request.form.get("profile") or (profiles[0].name if len(profiles) == 1 else "")
    labels = dict(FIELDS)
    summary = [{"anchor": field if field != "document" or checked is None else None, "label": labels[field], "message": problems[field]} for field, _ in FIELDS if field in problems]
    action = url_for(".submit_checked", job_id=job_id, index=index) if checked is not None else url_for(".submit")
    return render_template(
        "review_form.html", section="review", title="Review a document", checked=checked, report_url=url_for("check.result", job_id=job_id) if job_id else None,
        action=action, profiles=profiles, chosen=chosen, problems=problems, summary=summary, accept=ACCEPT, baselines=BASELINE_CHOICES, editions=EDITIONS,
        baseline=request.form.get("baseline", "auto"), edition=request.form.get("edition", "2017"), respond_by=request.form.get("respond_by", ""),
        to=request.form.get("to", ""), max_name=MAX_PROVIDER_NAME, max_mb=current_app.config["MAX_FILE_BYTES"] // (1024 * 1024),
    ), status


@blueprint.get("/review")
def start():
    """The form with an upload: for a document not checked here first."""
    return _form()


@blueprint.get("/review/check/<job_id>/<int:index>")
def from_check(job_id: str, index: int):
    """The form for a document this session has just checked."""
    return _form(checked=_checked_file(job_id, index), job_id=job_id, index=index)


def _read_form() -> tuple[dict, dict]:
    """The profile, reply date and provider's name as the library takes them, and a problem for each field that is wrong."""
    problems: dict[str, str] = {}
    profile = workspace.profile_named(request.form.get("profile"))
    if profile is None or profile.name not in {e.name for e in _valid_profiles()}:
        problems["profile"] = "Choose your organisation's profile from the list"
    typed_date = request.form.get("respond_by", "").strip()
    respond_by = None
    if typed_date:
        try:
            respond_by = dt.date.fromisoformat(typed_date) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed_date) else None
        except ValueError:
            respond_by = None
        if respond_by is None:
            problems["respond_by"] = f"“{typed_date}” is not a date; write it like 2026-09-30, or leave it empty"
    to = " ".join(request.form.get("to", "").splitlines()).strip() or None
    if to is not None and len(to) > MAX_PROVIDER_NAME:
        problems["to"] = f"The provider's name is {len(to)} characters long; give at most {MAX_PROVIDER_NAME}"
    return {"profile": profile, "respond_by": respond_by, "to": to}, problems


def _review(path: Path, name: str, options: dict, *, baseline: str, edition: str, uploads: list, again: str, report: str | None):
    """Run the library's review; a ReviewedDocument, or the problems to show on the form."""
    from msp_docs.review import output_paths, review_document

    try:
        review = review_document(path, options["profile"], baseline=baseline, edition=edition, respond_by=options["respond_by"], to=options["to"], name=name)
    except OptionError as err:
        message = in_their_names(str(err), uploads)
        if message.startswith("--respond-by"):
            return {"respond_by": re.sub(r"^--respond-by (\S+)", r"The date to reply by (\1)", message)}
        return {"document": message}
    except ProfileError:
        return {"profile": f"{options['profile'].name} is no longer a valid profile; open it on the profile page to fix it"}
    except MspDocsError as err:
        return {"document": in_their_names(str(err), uploads)}
    reviewed_path, letter_path = output_paths(name, ".")
    return ReviewedDocument(
        name=name, reviewed=review.reviewed, letter=review.letter, reviewed_name=display_name(reviewed_path.name), letter_name=display_name(letter_path.name),
        baseline=review.report.baseline, summary=dict(review.report.summary), comments=sum(c.passage is not None for c in review.comments),
        existing_comments=review.existing_comments, no_copy_reason=review.no_copy_reason, provider=review.provider, provider_source=review.provider_source,
        respond_by=review.respond_by, requests=len(review.gaps), again=again, report=report,
    )


def _finish(outcome, show_form):
    if isinstance(outcome, dict):
        return show_form(outcome)
    token = _store().keep(session_id(), outcome)
    return redirect(url_for(".result", token=token), code=303)


@blueprint.post("/review")
def submit():
    """Review an uploaded document (saved under a made-up name in a temporary folder, removed afterwards)."""
    options, problems = _read_form()
    baseline = request.form.get("baseline", "auto")
    edition = request.form.get("edition", "2017")
    if baseline != "auto" and baseline not in BASELINE_CHOICES or edition not in dict(EDITIONS):
        abort(400, description="The kind of document or the numbering of the guidance is not one msp-docs offers. Go back, reload the page and choose from the lists.")
    with UploadFolder(current_app.config["MAX_FILE_BYTES"]) as folder:
        try:
            upload = folder.save(chosen_files([request.files.get("document")], 1)[0])
        except UploadError as err:
            problems["document"] = "Choose the provider's document to review" if str(err) == "Choose a file first" else str(err)
        if problems:
            return _form(problems=problems, status=413 if "larger than" in problems.get("document", "") else 422)
        outcome = _review(upload.path, upload.name, options, baseline=baseline, edition=edition, uploads=folder.uploads, again=url_for(".start"), report=None)
    return _finish(outcome, lambda found: _form(problems=found, status=422))


@blueprint.post("/review/check/<job_id>/<int:index>")
def submit_checked(job_id: str, index: int):
    """Review a document this session has checked, with the baseline and numbering it was checked against."""
    checked = _checked_file(job_id, index)
    options, problems = _read_form()
    show = lambda found: _form(checked=checked, job_id=job_id, index=index, problems=found, status=422)  # noqa: E731
    if problems:
        return show(problems)
    with UploadFolder(current_app.config["MAX_FILE_BYTES"]) as folder:
        upload = folder.put(checked.data, checked.name)
        outcome = _review(upload.path, checked.name, options, baseline=checked.report.baseline, edition=checked.report.edition, uploads=folder.uploads,
                          again=url_for(".from_check", job_id=job_id, index=index), report=url_for("check.result", job_id=job_id))
    return _finish(outcome, show)


def _reviewed(token: str) -> ReviewedDocument:
    reviewed = _store().get(session_id(), token)
    if not isinstance(reviewed, ReviewedDocument):
        abort(404)
    return reviewed


@blueprint.get("/review/result/<token>")
def result(token: str):
    """What the review found and wrote, and the downloads."""
    from msp_docs.clauses import ukdate

    return render_template("review_result.html", section="review", title="Review ready", r=_reviewed(token), token=token, ukdate=ukdate)


@blueprint.get("/review/result/<token>/<kind>")
def download(token: str, kind: str):
    """The marked-up copy, the letter, or both in a .zip."""
    reviewed = _reviewed(token)
    if kind == "letter.docx":
        return _send(reviewed.letter, DOCX, reviewed.letter_name)
    if kind == "reviewed.docx" and reviewed.reviewed is not None:
        return _send(reviewed.reviewed, DOCX, reviewed.reviewed_name)
    if kind == "review.zip" and reviewed.reviewed is not None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(reviewed.reviewed_name, reviewed.reviewed)
            archive.writestr(reviewed.letter_name, reviewed.letter)
        return _send(buffer.getvalue(), "application/zip", display_name(f"{Path(reviewed.name).stem}-review.zip", "review.zip"))
    abort(404)


def _send(data: bytes, mimetype: str, name: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
