"""Page 1, the organisation profile: start from a starter, upload a file or pick one; edit it in a
form generated from the schema; save it (validated as ``msp-docs validate`` would) and download it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for

from msp_docs import yamlfile
from msp_docs.errors import ProfileError, Problem
from msp_docs.profile import KINDS, FormField, field_path, form_fields, load_profile_text, profile_from_form, profile_yaml, starter_profile, validate_data
from msp_docs.web import workspace
from msp_docs.web.uploads import UploadError, chosen_files, display_name

blueprint = Blueprint("profile", __name__)

_NOT_FIELDS = {"csrf_token", "action", "target", "replace"}


@blueprint.get("/profile")
def start(error: str | None = None, status: int = 200):
    """Choose how to start: a starter profile, an upload, or a profile already in the workspace."""
    return render_template("profile_start.html", section="profile", kinds=KINDS, entries=workspace.profile_entries(), error=error), status


@blueprint.get("/profile/new")
def new():
    """The form filled with the starter profile for a kind of organisation."""
    kind = request.args.get("kind", "housing-association")
    if kind not in KINDS:
        abort(400, description=f"'{kind}' is not a kind of organisation msp-docs knows; choose one from the list.")
    data = yamlfile.loads(starter_profile(kind), file="starter").data
    return _form(data, target="", origin=f"A new profile from the starter for a {kind.replace('-', ' ')}. Replace every example value with your own.")


@blueprint.get("/profile/edit/<name>")
def edit(name: str):
    """The form filled with a workspace profile, and its problems if it has any."""
    path = workspace.profile_named(name) or abort(404)
    try:
        doc = yamlfile.load(path, what="profile")
    except yamlfile.YamlReadError as err:
        return start(error=f"{name} cannot be read: {err.problem.message}" + (f" (line {err.problem.line})" if err.problem.line else ""), status=422)
    problems = _problems_of(doc.data, doc.lines, str(path))
    return _form(doc.data, target=name, problems=problems, saved=request.args.get("saved") == "1")


@blueprint.post("/profile/upload")
def upload():
    """Read an uploaded profile (never saved as it came) into the form, with its problems."""
    try:
        storage = chosen_files([request.files.get("profile")], 1)[0]
    except UploadError as err:
        return start(error=str(err), status=422)
    name = display_name(storage.filename, "profile.yaml")
    raw = storage.stream.read(yamlfile.MAX_FILE_BYTES + 1)
    try:
        doc = yamlfile.loads(yamlfile.decode(raw, file=name, what="profile"), file=name, what="profile")
    except yamlfile.YamlReadError as err:
        return start(error=str(err.problem), status=422)
    problems = _problems_of(doc.data, doc.lines, str(workspace.profiles_folder() / "uploaded.yaml"))
    return _form(doc.data, target="", problems=problems, origin=f"Read from {name}. It is saved in the workspace only when you press Save.")


@blueprint.post("/profile/save")
def save():
    """Save the form (or add or remove a repeating group and show the form again)."""
    target = request.form.get("target", "")
    if target and workspace.profile_named(target) is None:
        abort(400, description=f"There is no profile called {target} in the workspace any more; start again from the profile page.")
    values = {key: (request.form.getlist(key) if len(request.form.getlist(key)) > 1 else request.form[key]) for key in request.form if key not in _NOT_FIELDS}
    action = request.form.get("action", "save")
    if action.startswith(("add:", "remove:")):
        data = profile_from_form(values, keep_empty_rows=True)
        focus = _change_rows(data, action)
        return _form(data, target=target, focus=focus)
    data = profile_from_form(values)
    text = profile_yaml(data)
    name = target or None
    try:
        profile = load_profile_text(text, file=str(workspace.profiles_folder() / (target or "new-profile.yaml")))
    except ProfileError as err:
        return _form(data, target=target, problems=list(err.problems))
    name = target or f"{profile.slug}.yaml"
    path = workspace.profiles_folder() / name
    if not target and path.exists() and not request.form.get("replace"):
        message = (
            f"There is already a profile called {name} in the workspace. Tick “Replace the profile already in the workspace” "
            "and save again to replace it, or give this organisation its own folder name (Slug) to keep both."
        )
        return _form(data, target=target, problems=[], conflict=message)
    from msp_docs.write import write_atomic

    write_atomic(path, text.encode("utf-8"), force=True)
    return redirect(url_for(".edit", name=name, saved=1), code=303)


@blueprint.get("/profile/download/<name>")
def download(name: str):
    """The workspace profile as a file."""
    path = workspace.profile_named(name) or abort(404)
    return send_file(path, mimetype="application/yaml", as_attachment=True, download_name=name, max_age=0)


# --------------------------------------------------------------------------- the form

def _problems_of(data: Any, lines, file: str) -> list[Problem]:
    try:
        validate_data(data, lines, file)
    except ProfileError as err:
        return list(err.problems)
    return []


def _form(data: Any, *, target: str, problems: list[Problem] | None = None, origin: str | None = None, saved: bool = False, focus: str | None = None, conflict: str | None = None):
    problems = problems or []
    errors: dict[str, list[str]] = {}
    summary = []
    for problem in problems:
        path = field_path(problem.field)
        if path:
            errors.setdefault(path, []).append(problem.message)
        label = label_of(path) if path else None
        if problem.field and path != problem.field.replace("[", ".").replace("]", ""):
            label = f"{label + ': ' if label else ''}{problem.field}"
        summary.append({"anchor": f"f-{_id(path)}" if path else None, "label": label, "message": problem.message})
    status = 422 if problems or conflict else 200
    return render_template(
        "profile_form.html",
        section="profile",
        fields=form_fields(),
        data=data if isinstance(data, dict) else {},
        errors=errors,
        summary=summary,
        target=target,
        origin=origin,
        saved=saved,
        focus=focus,
        conflict=conflict,
        id_of=_id,
    ), status


def _id(path: str) -> str:
    return path.replace(".", "-")


def label_of(path: str) -> str:
    """The labels leading to a field, as a person reads them: 'Local authority areas 1 › Out of hours › Phone'."""
    labels: list[str] = []
    level: tuple[FormField, ...] = form_fields()
    current: FormField | None = None
    for part in path.split("."):
        if current is not None and current.kind == "rows" and part.isdigit():
            labels[-1] = f"{current.item_label} {int(part) + 1}"
            level = current.children
            current = None
            continue
        if current is not None and current.kind == "keyed":
            labels[-1] = f"Checklist item {part}"
            level = current.children
            current = None
            continue
        match = next((f for f in level if f.name == part), None)
        if match is None:
            break
        labels.append(match.label)
        current, level = match, match.children
    return " › ".join(labels)


def _change_rows(data: dict, action: str) -> str | None:
    """Add an empty row to a repeating group, or remove one; return the path to put the focus on."""
    verb, _, path = action.partition(":")
    parts = path.split(".")
    if verb == "remove":
        if not parts[-1].isdigit():
            abort(400, description="That button did not name a row to remove.")
        parts, index = parts[:-1], int(parts[-1])
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) and part.isdigit() and int(part) < len(node) else (node.setdefault(part, {}) if isinstance(node, dict) else None)
        if node is None:
            abort(400, description="That button did not name a group in the form.")
    if not isinstance(node, dict):
        abort(400, description="That button did not name a group in the form.")
    rows = node.get(parts[-1])
    if not isinstance(rows, list):
        rows = node[parts[-1]] = []
    if verb == "add":
        rows.append({})
        return f"{'.'.join(parts)}.{len(rows) - 1}"
    if index < len(rows):
        del rows[index]
    return ".".join(parts)
