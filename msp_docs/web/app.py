"""The Flask application: configuration, security (login, CSRF, headers, host names) and error pages."""

from __future__ import annotations

import ipaddress
import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, abort, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from msp_docs import __version__
from msp_docs.web.jobs import KEEP_BYTES, JobStore
from msp_docs.web.session import csrf_token, csrf_token_matches

log = logging.getLogger("msp_docs.web")

MEGABYTE = 1024 * 1024
DEFAULTS: dict[str, Any] = {
    "MAX_FILE_BYTES": 20 * MEGABYTE,  # one upload; the library's own limits on what is inside still apply
    "MAX_FILES": 10,  # files in one request
    "PASSWORD": None,
    "LOOPBACK_ONLY": True,  # answer only to host names that mean this computer (stops DNS rebinding)
    "JOB_WORKERS": 4,
    "KEEP_BYTES": KEEP_BYTES,  # files kept in memory for downloads and reviews, all sessions together
}
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
# Pages that answer without a login: the health check for monitors, and what the login page needs.
_OPEN_ENDPOINTS = {"health", "static", "pages.login"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def is_loopback(host: str) -> bool:
    """True when ``host`` (a name or an address) means this computer only."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(workspace: str | Path, **config: Any) -> Flask:
    """The web application serving ``workspace`` (its ``profiles/`` and ``output/`` folders).

    ``config`` overrides DEFAULTS (``PASSWORD``, ``MAX_FILE_BYTES``, ``MAX_FILES``, ...).
    """
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config)
    root = Path(workspace).resolve()
    app.config.update(
        WORKSPACE=root,
        PROFILES=root / "profiles",
        OUTPUT=root / "output",
        SECRET_KEY=config.get("SECRET_KEY") or secrets.token_bytes(32),
        SESSION_COOKIE_NAME="msp_docs_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        # The whole request may hold MAX_FILES files of MAX_FILE_BYTES and the form's fields.
        MAX_CONTENT_LENGTH=app.config["MAX_FILE_BYTES"] * app.config["MAX_FILES"] + MEGABYTE,
        MAX_FORM_MEMORY_SIZE=4 * MEGABYTE,
        MAX_FORM_PARTS=5000,
    )
    for folder in (app.config["PROFILES"], app.config["OUTPUT"]):
        folder.mkdir(parents=True, exist_ok=True)
    app.extensions["msp_docs_jobs"] = JobStore(workers=app.config["JOB_WORKERS"], keep_bytes=app.config["KEEP_BYTES"])
    app.jinja_env.globals.update(csrf_token=csrf_token, version=__version__)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from msp_docs.web import build_page, check_page, contract_page, pages, profile_page, review_page

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(profile_page.blueprint)
    app.register_blueprint(build_page.blueprint)
    app.register_blueprint(contract_page.blueprint)
    app.register_blueprint(check_page.blueprint)
    app.register_blueprint(review_page.blueprint)

    @app.get("/health")
    def health():
        return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}

    app.before_request(_refuse_other_host_names)
    app.before_request(_require_login)
    app.before_request(_require_csrf_token)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    return app


def _refuse_other_host_names():
    from flask import current_app

    if not current_app.config["LOOPBACK_ONLY"]:
        return None
    host = request.host.rsplit(":", 1)[0] if not request.host.startswith("[") else request.host.split("]")[0] + "]"
    if not is_loopback(host.strip("[]")):
        abort(400, description="msp-docs answers only at http://127.0.0.1 or http://localhost on this computer.")
    return None


def _require_login():
    from flask import current_app

    if not current_app.config["PASSWORD"] or request.endpoint in _OPEN_ENDPOINTS or session.get("signed_in"):
        return None
    if request.method == "GET":
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    abort(403, description="Sign in first: this msp-docs needs a password.")


def _require_csrf_token():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    sent = request.form.get("csrf_token", "")  # reading the form enforces the upload limits too
    if not csrf_token_matches(sent):
        abort(400, description="This form has expired or did not come from msp-docs. Go back, reload the page and try again.")
    return None


def _security_headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _http_error(error: HTTPException):
    from flask import current_app

    if isinstance(error, RequestEntityTooLarge):
        limit = current_app.config["MAX_FILE_BYTES"] // MEGABYTE
        message = (
            f"What you sent is too large. Each file may be at most {limit} MB, and you can send at most "
            f"{current_app.config['MAX_FILES']} files at once. Send fewer or smaller files."
        )
        return render_template("error.html", title="Too large", message=message), 413
    titles = {400: "Something in the request was not right", 403: "Not allowed", 404: "Page not found", 405: "Not allowed"}
    message = error.description if error.code in (400, 403) else {
        404: "There is nothing at this address. It may have been a result that has expired: results are kept for an hour.",
        405: "This address does not accept that kind of request.",
    }.get(error.code, error.description)
    return render_template("error.html", title=titles.get(error.code, error.name), message=message), error.code


def _internal_error(error: Exception):
    log.exception("internal error while serving %s", request.path)
    message = (
        f"Something went wrong inside msp-docs ({type(error).__name__}). This is a defect in msp-docs, not in what you did. "
        "Nothing was changed. Try again; if it happens again, report it with what you were doing."
    )
    return render_template("error.html", title="Something went wrong", message=message), 500
