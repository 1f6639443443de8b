"""Convert documents with LibreOffice running headless (docx to pdf, and docx round trips)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from msp_docs.errors import ConversionError
from msp_docs.interrupt import deferred

TIMEOUT_SECONDS = 180


def find_soffice() -> str | None:
    """The path of LibreOffice's ``soffice``, or None when it is not installed."""
    override = os.environ.get("MSP_DOCS_SOFFICE")
    if override:
        return override if Path(override).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(path: str | os.PathLike, target_format: str, *, soffice: str | None = None, suffix: str | None = None) -> bytes:
    """Convert a document with LibreOffice and return the converted bytes (the input is not touched).

    Each call uses its own LibreOffice user profile, so conversions can run in parallel.
    """
    soffice = soffice or find_soffice()
    if soffice is None:
        raise ConversionError("LibreOffice (soffice) is not installed; install it to convert documents")
    source = Path(path)
    work = None
    try:
        # The scratch folder is made and removed with Ctrl+C and SIGTERM held (an interruption
        # in either would leave it behind); LibreOffice itself runs interruptible.
        with deferred():
            work = tempfile.mkdtemp(prefix="msp-docs-lo-")
        work_path = Path(work)
        # Copy the input so LibreOffice's lock files never appear beside the user's document.
        staged = work_path / ("input" + source.suffix)
        shutil.copyfile(source, staged)
        profile_dir = work_path / "profile"
        command = [
            soffice,
            f"-env:UserInstallation={profile_dir.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            target_format,
            "--outdir",
            str(work_path / "out"),
            str(staged),
        ]
        try:
            completed = subprocess.run(command, capture_output=True, timeout=TIMEOUT_SECONDS, text=True, env={**os.environ, "HOME": work})
        except subprocess.TimeoutExpired:
            raise ConversionError(f"LibreOffice took longer than {TIMEOUT_SECONDS} s to convert {source.name}") from None
        except OSError as err:
            raise ConversionError(f"LibreOffice could not be started: {err}") from None
        ext = suffix or "." + target_format.split(":")[0]
        produced = list((work_path / "out").glob(f"*{ext}"))
        if completed.returncode != 0 or not produced:
            detail = (completed.stderr or completed.stdout or "").strip().splitlines()[-1:] or ["no output"]
            raise ConversionError(f"LibreOffice could not convert {source.name} to {target_format}: {detail[0]}")
        return produced[0].read_bytes()
    finally:
        if work is not None:
            with deferred():
                shutil.rmtree(work, ignore_errors=True)


def docx_to_pdf(path: str | os.PathLike, *, soffice: str | None = None) -> bytes:
    """PDF bytes of a .docx, made by LibreOffice."""
    return convert(path, "pdf", soffice=soffice, suffix=".pdf")


def round_trip_docx(path: str | os.PathLike, *, soffice: str | None = None) -> bytes:
    """Open a .docx in LibreOffice and save it again as .docx (Word 2007-365 format)."""
    return convert(path, "docx:MS Word 2007 XML", soffice=soffice, suffix=".docx")
