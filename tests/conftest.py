"""Shared fixtures: paths to the example profiles and fixture files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "profiles"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_PROFILES = sorted(PROFILES.glob("*.yaml"))


def _shared() -> Path:
    """The workplace's shared folder (seed, reference facts, real Word documents) beside the repo.

    MSP_DOCS_SHARED overrides it; a clone elsewhere falls back to /work/shared when that exists.
    """
    override = os.environ.get("MSP_DOCS_SHARED")
    if override:
        return Path(override)
    for candidate in (ROOT.parent / "shared", Path("/work/shared")):
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared"


SHARED = _shared()
REAL_DOCX = SHARED / "real-docx"


def soffice() -> str | None:
    """Path of LibreOffice's soffice, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """soffice's path; skip when it is missing on a developer's machine, fail where CI requires it."""
    path = soffice()
    if path is None:
        if os.environ.get("MSP_DOCS_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice is required here (MSP_DOCS_REQUIRE_LIBREOFFICE=1) but soffice was not found")
        pytest.skip("LibreOffice (soffice) is not installed on this machine; CI installs it and runs this test")
    return path


CHROMIUM = "/usr/bin/chromium"


def chromium() -> str | None:
    """Path of Debian's Chromium (MSP_DOCS_CHROMIUM overrides it), if installed."""
    path = os.environ.get("MSP_DOCS_CHROMIUM") or CHROMIUM
    if Path(path).exists():
        return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def require_chromium() -> str:
    """Chromium's path; skip when it is missing on a developer's machine, fail where CI requires it."""
    path = chromium()
    try:
        import playwright  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        if os.environ.get("MSP_DOCS_REQUIRE_CHROMIUM") == "1":
            pytest.fail("Chromium and Playwright are required here (MSP_DOCS_REQUIRE_CHROMIUM=1) but /usr/bin/chromium or the playwright package was not found")
        pytest.skip("Chromium (/usr/bin/chromium) or Playwright for Python is not installed on this machine; CI installs both and runs this test")
    return path


def pytest_configure(config):
    """Point msp-docs' cache (msp_docs.cache) at a fresh folder: tests never write to the real home.

    Set in the environment, so the commands the tests start in other processes use it too.
    """
    import tempfile

    config._msp_docs_cache = tempfile.mkdtemp(prefix="msp-docs-test-cache-")
    os.environ["XDG_CACHE_HOME"] = config._msp_docs_cache
    os.environ.pop("MSP_DOCS_NO_CACHE", None)


def pytest_unconfigure(config):
    folder = getattr(config, "_msp_docs_cache", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def profile_fixture():
    """Path to a profile fixture by file name."""

    def get(name: str) -> Path:
        return FIXTURES / "profiles" / name

    return get


@pytest.fixture(params=EXAMPLE_PROFILES, ids=[p.stem for p in EXAMPLE_PROFILES])
def example_profile(request) -> Path:
    """Each example profile in profiles/."""
    return request.param


@pytest.fixture(autouse=True)
def _python_docx_core_properties_prefix():
    """Keep python-docx's 'cp' prefix right whatever a test imported (docxcompose changes it)."""
    yield
    try:
        from msp_docs._ooxml import restore_core_properties_prefix

        restore_core_properties_prefix()
    except ImportError:  # pragma: no cover
        pass


@pytest.fixture
def cli_signals(monkeypatch):
    """msp-docs's own handling of Ctrl+C and SIGTERM (as the command installs it), for one test.

    Yields the list of "Exception ignored" reports that reached the hook beneath msp-docs's, which
    should stay empty. The previous handlers and hook are put back afterwards.
    """
    import signal
    import sys

    from msp_docs import interrupt

    saved = {signum: signal.getsignal(signum) for signum in interrupt.SIGNALS}
    dropped: list = []
    monkeypatch.setattr(sys, "unraisablehook", dropped.append)
    interrupt.install()
    try:
        yield dropped
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@pytest.fixture
def after_temporary_file_created(monkeypatch):
    """Make os.open call ``action(fd)`` right after it has created a ``.tmp`` file, before returning.

    That is the moment a signal used to strand write_atomic's temporary file: the file exists but
    the code that removes it does not yet know its name.
    """
    def arm(action, *, times: int = 1):
        real_open = os.open
        remaining = [times]

        def open_then_act(path, flags, *args, **kwargs):
            fd = real_open(path, flags, *args, **kwargs)
            if str(path).endswith(".tmp") and remaining[0] > 0:
                remaining[0] -= 1
                action(fd)
            return fd

        monkeypatch.setattr(os, "open", open_then_act)

    return arm
