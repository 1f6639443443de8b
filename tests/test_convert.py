"""LibreOffice conversions: a refusal names the file, and the scratch folder never outlives a call."""

from __future__ import annotations

import shutil
import signal
import stat
import tempfile
from pathlib import Path

import pytest

from msp_docs import convert
from msp_docs.errors import ConversionError


@pytest.fixture
def failing_soffice(tmp_path) -> str:
    """A stand-in for LibreOffice that fails at once, so the tests run where it is not installed."""
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.fixture
def scratch_folders(monkeypatch):
    """Every scratch folder convert makes, recorded as it is made."""
    made: list[Path] = []
    real_mkdtemp = tempfile.mkdtemp

    def recorded(*args, **kwargs):
        made.append(Path(real_mkdtemp(*args, **kwargs)))
        return str(made[-1])

    monkeypatch.setattr(tempfile, "mkdtemp", recorded)
    return made


def test_a_failed_conversion_names_the_file_and_removes_its_folder(tmp_path, failing_soffice, scratch_folders):
    source = tmp_path / "policy.docx"
    source.write_bytes(b"not really a document")
    with pytest.raises(ConversionError) as err:
        convert.docx_to_pdf(source, soffice=failing_soffice)
    assert "policy.docx" in str(err.value) and "could not be loaded" in str(err.value)
    assert len(scratch_folders) == 1 and not scratch_folders[0].exists()


def test_sigterm_as_the_scratch_folder_is_made_leaves_no_folder(tmp_path, failing_soffice, scratch_folders, cli_signals, monkeypatch):
    source = tmp_path / "policy.docx"
    source.write_bytes(b"x")
    made_by_recorder = tempfile.mkdtemp

    def made_then_signalled(*args, **kwargs):
        folder = made_by_recorder(*args, **kwargs)
        signal.raise_signal(signal.SIGTERM)  # the folder exists; mkdtemp has not returned
        return folder

    monkeypatch.setattr(tempfile, "mkdtemp", made_then_signalled)
    with pytest.raises(KeyboardInterrupt):
        convert.docx_to_pdf(source, soffice=failing_soffice)
    assert len(scratch_folders) == 1 and not scratch_folders[0].exists()


def test_ctrl_c_while_the_scratch_folder_is_removed_does_not_cut_it_short(tmp_path, failing_soffice, scratch_folders, cli_signals, monkeypatch):
    source = tmp_path / "policy.docx"
    source.write_bytes(b"x")
    real_rmtree = shutil.rmtree

    def rmtree_after_ctrl_c(path, *args, **kwargs):
        signal.raise_signal(signal.SIGINT)
        real_rmtree(path, *args, **kwargs)

    monkeypatch.setattr(shutil, "rmtree", rmtree_after_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        convert.docx_to_pdf(source, soffice=failing_soffice)
    assert len(scratch_folders) == 1 and not scratch_folders[0].exists()
