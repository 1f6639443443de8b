"""Page 2, build: choose a workspace profile and its documents, build them into the workspace's
output folder as ``msp-docs build`` does, see each baseline result and download the files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for

from msp_docs.errors import MspDocsError, OutputExistsError
from msp_docs.web import workspace
from msp_docs.web.jobs import job_status, this_sessions_job, unfinished_page
from msp_docs.web.session import session_id

blueprint = Blueprint("build", __name__)

MIMETYPES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".pdf": "application/pdf"}


def _jobs():
    return current_app.extensions["msp_docs_jobs"]


@blueprint.get("/build")
def start(error: str | None = None, status: int = 200, chosen: list[str] | None = None):
    """Choose the profile, then the documents."""
    from msp_docs.convert import find_soffice

    entries = workspace.profile_entries()
    valid = [e for e in entries if e.problem is None]
    name = request.values.get("profile") or (valid[0].name if len(valid) == 1 else None)
    entry = next((e for e in entries if e.name == name), None)
    documents = []
    if entry is not None and entry.problem is None:
        from msp_docs.plan import documents_for
        from msp_docs.profile import load_profile

        try:
            documents = documents_for(load_profile(entry.path))
        except MspDocsError as err:
            error = str(err)
    return render_template(
        "build_start.html", section="build", title="Build documents", entries=entries, entry=entry, documents=documents,
        chosen=chosen, libreoffice=find_soffice() is not None, error=error,
    ), status


@blueprint.post("/build")
def submit():
    """Build the chosen documents in a worker thread."""
    path = workspace.profile_named(request.form.get("profile"))
    if path is None:
        return start(error="Choose a profile from the workspace", status=422)
    only = request.form.getlist("documents")
    if not only:
        return start(error="Choose at least one document to build", status=422, chosen=[])
    pdf = request.form.get("pdf") == "1"
    force = request.form.get("replace") == "1"
    from msp_docs.plan import documents_for
    from msp_docs.profile import load_profile
    from msp_docs.write import refuse_existing

    try:
        profile = load_profile(path)
        specs = documents_for(profile, only)
        folder = workspace.output_folder() / profile.slug
        targets = [folder / f"{s.name}.docx" for s in specs] + ([folder / f"{s.name}.pdf" for s in specs] if pdf else [])
        refuse_existing(targets, force)
    except OutputExistsError:
        existing = [t.name for t in targets if t.exists()]
        return start(error=f"These documents were built before and are in the workspace: {', '.join(existing)}. Tick “Replace documents built before” to build them again.", status=422, chosen=only)
    except MspDocsError as err:
        return start(error=str(err), status=422, chosen=only)

    output = workspace.output_folder()

    def work(job):
        from msp_docs.build import build_profile

        try:
            return build_profile(path, output, only=only, force=force, pdf=pdf, on_document=lambda _d, total: job.step(total=total))
        except MspDocsError as err:
            return err

    job = _jobs().submit(session_id(), "build", len(specs), work)
    return redirect(url_for(".result", job_id=job.id), code=303)


def _job(job_id: str):
    return this_sessions_job("build", job_id)


@blueprint.get("/build/<job_id>")
def result(job_id: str):
    """Progress while building; then each document's baseline result and downloads."""
    job = _job(job_id)
    unfinished = unfinished_page(job, section="build", title="Building documents", failed_title="The build did not finish")
    if unfinished is not None:
        return unfinished
    if isinstance(job.result, MspDocsError):
        return render_template("error.html", section="build", title="The documents were not built", message=str(job.result)), 422
    return render_template("build_result.html", section="build", title="Documents built", job=job, result=job.result, Path=Path)


@blueprint.get("/build/<job_id>/status")
def status(job_id: str):
    """Progress as JSON, for the page's script."""
    return job_status(_job(job_id))


def _files(job) -> list[Path]:
    if job.state != "done" or isinstance(job.result, MspDocsError):
        abort(404)
    files = []
    for doc in job.result.documents:
        files.append(Path(doc.path))
        if doc.pdf:
            files.append(Path(doc.pdf))
    return [f for f in files if f.is_file()]


@blueprint.get("/build/<job_id>/file/<name>")
def download(job_id: str, name: str):
    """One document this build wrote, found among its files by name."""
    path = next((f for f in _files(_job(job_id)) if f.name == name), None) or abort(404)
    return send_file(path, mimetype=MIMETYPES.get(path.suffix, "application/octet-stream"), as_attachment=True, download_name=path.name, max_age=0)


@blueprint.get("/build/<job_id>/documents.zip")
def download_all(job_id: str):
    """Every document this build wrote, in one .zip."""
    job = _job(job_id)
    files = _files(job)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.write(f, arcname=f.name)
    folder = Path(job.result.folder).name
    return send_file(io.BytesIO(buffer.getvalue()), mimetype="application/zip", as_attachment=True, download_name=f"{folder}.zip", max_age=0)
