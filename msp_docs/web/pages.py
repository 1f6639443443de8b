"""The start page, and signing in and out when the server has a password."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from msp_docs.web import workspace
from msp_docs.web.session import password_matches, slow_down_after_a_wrong_password

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home():
    """What msp-docs does and the five jobs, in the order a new user does them."""
    return render_template("home.html", section="home", title="Adult safeguarding documents", entries=workspace.profile_entries())


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    """Ask for the password given to ``msp-docs serve --password-file``."""
    error = None
    if request.method == "POST":
        if password_matches(request.form.get("password", ""), current_app.config["PASSWORD"] or ""):
            session.clear()
            session["signed_in"] = True
            return redirect(_safe_next(request.form.get("next")), code=303)
        slow_down_after_a_wrong_password()
        error = "That password is not right. Try again, or ask the person who started msp-docs."
    return render_template("login.html", section="login", title="Sign in", error=error, next=_safe_next(request.values.get("next"))), (401 if error else 200)


@blueprint.post("/logout")
def logout():
    """Forget this browser's sign-in."""
    session.clear()
    return redirect(url_for("pages.login"), code=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another site's address (an open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("pages.home")
