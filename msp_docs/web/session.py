"""The browser session: its id, its CSRF token, and checking the password it signs in with."""

from __future__ import annotations

import hmac
import secrets
import time

from flask import session


def csrf_token() -> str:
    """This session's token for forms that change or upload anything."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_token_matches(sent: str) -> bool:
    """True when ``sent`` is this session's token (compared in constant time)."""
    expected = session.get("csrf")
    return bool(expected and sent and hmac.compare_digest(sent, expected))


def session_id() -> str:
    """A random id for this browser session: jobs and results belong to the session that made them."""
    if "sid" not in session:
        session["sid"] = secrets.token_urlsafe(16)
    return session["sid"]


def password_matches(given: str, expected: str) -> bool:
    """Compare in constant time, so the time taken says nothing about the password."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def slow_down_after_a_wrong_password() -> None:
    """Wait a second after a wrong password, so guessing is slow."""
    time.sleep(1.0)
