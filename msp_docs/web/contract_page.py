"""Page 3, add to a contract: upload a .docx, choose the profile and service, choose the heading to
insert after from the contract's own headings, and download the extended contract."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for

from msp_docs.errors import MspDocsError, ScheduleAlreadyPresentError
from msp_docs.web import workspace
from msp_docs.web.session import session_id
from msp_docs.web.uploads import UploadError, UploadFolder, chosen_files, display_name, in_their_names

blueprint = Blueprint("contract", __name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class PendingContract:
    """An uploaded contract between choosing the service and choosing where the schedule goes (kept in memory only)."""

    name: str
    data: bytes
    profile: str
    service: str
    headings: tuple[str, ...]


@dataclass(frozen=True)
class ExtendedContract:
    """The contract with its schedule, ready to download."""

    name: str
    data: bytes


def _store():
    return current_app.extensions["msp_docs_jobs"]


def _choices():
    return [(e, s) for e in workspace.profile_entries() if e.problem is None for s in e.services]


@blueprint.get("/contract")
def start(error: str | None = None, status: int = 200):
    """Step 1: the contract and the service."""
    entries = workspace.profile_entries()
    return render_template("contract_start.html", section="contract", title="Add to a contract", entries=entries, choices=_choices(), error=error,
                           chosen=request.form.get("service_choice")), status


@blueprint.post("/contract")
def upload():
    """Read the contract's headings (the same refusals as ``add-clauses``) and offer them."""
    profile_name, _, service = request.form.get("service_choice", "").partition("|")
    choice = next(((e, s) for e, s in _choices() if e.name == profile_name and s == service), None)
    if choice is None:
        return start(error="Choose the profile and service the schedule is for", status=422)
    with UploadFolder(current_app.config["MAX_FILE_BYTES"]) as folder:
        try:
            upload = folder.save(chosen_files([request.files.get("contract")], 1)[0])
        except UploadError as err:
            return start(error="Choose the contract (.docx) to add the schedule to" if str(err) == "Choose a file first" else str(err), status=422)
        from msp_docs.compose import contract_headings

        try:
            headings = tuple(h.text for h in contract_headings(upload.path))
        except MspDocsError as err:
            return start(error=in_their_names(str(err), folder.uploads), status=422)
        data = upload.path.read_bytes()
    pending = PendingContract(upload.name, data, profile_name, service, headings)
    token = _store().keep(session_id(), pending)
    return _place(pending, token)


def _place(pending: PendingContract, token: str, error: str | None = None, offer_replace: bool = False, status: int = 200):
    return render_template("contract_place.html", section="contract", title="Where the schedule goes", pending=pending, token=token, error=error,
                           offer_replace=offer_replace, after=request.form.get("after", ""), schedule_title=request.form.get("title", "")), status


@blueprint.post("/contract/extend")
def extend():
    """Step 2: add the schedule where chosen and offer the result for download."""
    token = request.form.get("token", "")
    pending = _store().get(session_id(), token)
    if not isinstance(pending, PendingContract):
        abort(404)
    after = request.form.get("after") or None
    if after is not None and after not in pending.headings:
        return _place(pending, token, error="Choose a heading from the list", status=422)
    title = (request.form.get("title") or "").replace("\r", " ").replace("\n", " ") or None
    profile = workspace.profile_named(pending.profile)
    if profile is None:
        return _place(pending, token, error=f"The profile {pending.profile} is no longer in the workspace", status=422)
    from msp_docs.compose import add_schedule

    with UploadFolder(current_app.config["MAX_FILE_BYTES"]) as folder:
        path = folder.put(pending.data, pending.name).path
        try:
            result = add_schedule(path, profile_path=profile, service=pending.service, after=after, title=title, replace=request.form.get("replace") == "1")
        except ScheduleAlreadyPresentError as err:
            message = in_their_names(str(err), folder.uploads).replace("Use --replace to swap it", "Tick “Replace the schedule” to swap it")
            return _place(pending, token, error=message, offer_replace=True, status=422)
        except MspDocsError as err:
            return _place(pending, token, error=in_their_names(str(err), folder.uploads), status=422)
    stem = Path(pending.name).stem or "contract"
    extended = ExtendedContract(f"{stem} with safeguarding schedule.docx", result.data)
    result_token = _store().keep(session_id(), extended)
    return render_template("contract_result.html", section="contract", title="Schedule added", pending=pending, result=result, extended=extended,
                           download=url_for(".download", token=result_token))


@blueprint.get("/contract/result/<token>")
def download(token: str):
    """The extended contract."""
    extended = _store().get(session_id(), token)
    if not isinstance(extended, ExtendedContract):
        abort(404)
    return send_file(io.BytesIO(extended.data), mimetype=DOCX, as_attachment=True, download_name=display_name(extended.name, "contract.docx"), max_age=0)
