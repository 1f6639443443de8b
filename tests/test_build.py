"""msp-docs build: files written, baseline check, overwrite refusal, batches and PDFs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from msp_docs.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_build_writes_every_document_and_reports_coverage(tmp_path):
    result = run("build", str(ROOT / "profiles" / "eastmoor-district-council.yaml"), "-o", str(tmp_path), "--date", "2026-04-01")
    assert result.exit_code == 0, result.output + result.stderr
    folder = tmp_path / "eastmoor-district-council-housing-services"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["contract-gas.docx", "contract-repairs.docx", "leaflet.docx", "policy.docx", "procedure.docx", "self-assessment.docx"]
    assert "policy.docx: all 58 baseline requirements covered" in result.output
    for path in folder.iterdir():
        docx.Document(str(path))


def test_existing_files_are_not_overwritten_without_force(tmp_path):
    args = ("build", str(ROOT / "profiles" / "flameguard-gas-services.yaml"), "-o", str(tmp_path), "--date", "2026-04-01", "--only", "policy,leaflet")
    assert run(*args).exit_code == 0
    policy = tmp_path / "flameguard-gas-services-ltd" / "policy.docx"
    before = policy.read_bytes()
    os.utime(policy, (1, 1))
    result = run(*args)
    assert result.exit_code == 2
    assert "already exist; nothing was written. Use --force" in result.stderr
    assert str(policy) in result.stderr
    assert policy.read_bytes() == before and policy.stat().st_mtime == 1
    result = run(*args, "--force")
    assert result.exit_code == 0
    assert policy.stat().st_mtime > 1
    assert not [p for p in policy.parent.iterdir() if p.name.startswith(".")], "no temporary files left"


def test_leaving_a_clause_out_exits_3_and_names_the_gap(tmp_path):
    text = (ROOT / "profiles" / "kingsmead-st-annes.yaml").read_text(encoding="utf-8").replace("  exclude_clauses: []", "  exclude_clauses: [pol-advocacy]")
    profile = tmp_path / "trimmed.yaml"
    profile.write_text(text, encoding="utf-8")
    result = run("build", str(profile), "-o", str(tmp_path / "out"), "--only", "policy", "--date", "2026-04-01")
    assert result.exit_code == 3
    assert "policy.docx: 5 of 58 baseline requirements not covered: 14.10, 14.48, 14.54, 14.80, advocacy" in result.stderr
    assert "left out: pol-advocacy" in result.output


def test_only_accepts_contract_for_every_contract(tmp_path):
    result = run("build", str(ROOT / "profiles" / "kingsmead-st-annes.yaml"), "-o", str(tmp_path), "--only", "contract", "--date", "2026-04-01")
    assert result.exit_code == 0
    written = sorted(p.name for p in (tmp_path / "kingsmead-and-st-annes-housing").iterdir())
    assert written == ["contract-building-management.docx", "contract-gas.docx", "contract-repairs.docx"]


def test_a_bad_profile_does_not_stop_the_batch_and_sets_the_exit_code(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(ROOT / "profiles" / "flameguard-gas-services.yaml", folder / "a-good.yaml")
    shutil.copy(ROOT / "tests" / "fixtures" / "profiles" / "lead-email-invalid.yaml", folder / "b-bad.yaml")
    result = run("build", str(folder), "-o", str(tmp_path / "out"), "--only", "leaflet", "--jobs", "2")
    assert result.exit_code == 2
    assert "b-bad.yaml: error:" in result.stderr and "'jo@' is not an email address" in result.stderr
    assert (tmp_path / "out" / "flameguard-gas-services-ltd" / "leaflet.docx").exists()
    assert "built 1 document(s) for 1 of 2 profile(s)" in result.output


def test_pdf_without_libreoffice_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("MSP_DOCS_SOFFICE", str(tmp_path / "no-such-soffice"))
    result = run("build", str(ROOT / "profiles" / "flameguard-gas-services.yaml"), "-o", str(tmp_path), "--only", "leaflet", "--pdf")
    assert result.exit_code == 0
    assert "LibreOffice (soffice) is not installed, so no PDFs were written" in result.stderr
    assert not list(tmp_path.rglob("*.pdf"))


@pytest.mark.libreoffice
def test_pdf_is_written_with_libreoffice(tmp_path):
    from conftest import require_soffice

    require_soffice()
    result = run("build", str(ROOT / "profiles" / "flameguard-gas-services.yaml"), "-o", str(tmp_path), "--only", "leaflet", "--pdf")
    assert result.exit_code == 0, result.stderr
    pdf = tmp_path / "flameguard-gas-services-ltd" / "leaflet.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "(+ leaflet.pdf)" in result.output


def test_custom_templates_folder_is_used(tmp_path):
    from msp_docs.render import default_templates_dir

    templates = tmp_path / "brand"
    shutil.copytree(default_templates_dir(), templates, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    result = run("build", str(ROOT / "profiles" / "flameguard-gas-services.yaml"), "-o", str(tmp_path / "out"), "--only", "leaflet", "--templates", str(templates))
    assert result.exit_code == 0
    (templates / "leaflet.docx").unlink()
    result = run("build", str(ROOT / "profiles" / "flameguard-gas-services.yaml"), "-o", str(tmp_path / "out2"), "--only", "leaflet", "--templates", str(templates))
    assert result.exit_code == 2
    assert "leaflet.docx was not found" in result.stderr


def test_build_profile_reports_each_document_as_it_is_written(tmp_path):
    import datetime as dt

    from msp_docs.build import build_profile

    seen = []
    result = build_profile(ROOT / "profiles" / "eastmoor-district-council.yaml", tmp_path, only=["policy", "leaflet"], date=dt.date(2026, 4, 1), on_document=lambda doc, total: seen.append((doc.name, total, Path(doc.path).exists())))
    assert seen == [("policy", 2, True), ("leaflet", 2, True)]
    assert [d.name for d in result.documents] == ["policy", "leaflet"]


# ---------------------------------------------------------------- interrupted builds, deterministically
# tests/test_hardening.py interrupts real builds at whatever moment the signal lands; these put the
# signal at the dangerous moment every time: right after a temporary file has been created.

EXAMPLES = sorted((ROOT / "profiles").glob("*.yaml"))


def _written(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.docx"))


def _assert_whole_and_nothing_left(folder: Path) -> None:
    for path in _written(folder):
        assert docx.Document(str(path)).core_properties.title, path
    stray = [p for p in folder.rglob("*") if p.is_file() and (p.name.startswith(".") or p.suffix == ".tmp")]
    assert stray == []


def test_sigterm_right_after_a_temporary_file_is_created_exits_130_leaving_whole_documents(tmp_path, cli_signals, after_temporary_file_created):
    import signal

    after_temporary_file_created(lambda _fd: signal.raise_signal(signal.SIGTERM))
    result = run("build", str(EXAMPLES[0]), "-o", str(tmp_path), "-j", "1", "--date", "2026-04-01")
    assert result.exit_code == 130, result.output + result.stderr
    assert "interrupted" in result.stderr and "Traceback" not in result.output + result.stderr
    # The document being written when the signal came was finished, and nothing after it begun.
    assert len(_written(tmp_path)) == 1
    _assert_whole_and_nothing_left(tmp_path)
    assert cli_signals == []


def test_a_worker_sent_sigterm_while_writing_finishes_the_document_then_the_build_stops(tmp_path, after_temporary_file_created, capfd):
    import signal

    from msp_docs.build import build_many

    parent = os.getpid()

    def signal_this_worker(_fd):
        if os.getpid() != parent:  # the workers are forked with this patch in place
            os.kill(os.getpid(), signal.SIGTERM)

    after_temporary_file_created(signal_this_worker)
    with pytest.raises(KeyboardInterrupt):
        build_many([str(p) for p in EXAMPLES], jobs=2, out_dir=tmp_path)
    # Each worker finished the document it was writing, then stopped.
    assert 1 <= len(_written(tmp_path)) <= 2
    _assert_whole_and_nothing_left(tmp_path)
    assert "Traceback" not in capfd.readouterr().err


def test_interrupting_a_parallel_build_stops_each_worker_after_one_document(tmp_path, monkeypatch, capfd):
    import msp_docs.build
    from msp_docs.build import build_many

    def interrupted_while_waiting(futures):
        raise KeyboardInterrupt  # Ctrl+C, as the parent waits for its first result

    monkeypatch.setattr(msp_docs.build, "as_completed", interrupted_while_waiting)
    with pytest.raises(KeyboardInterrupt):
        build_many([str(p) for p in EXAMPLES], jobs=2, out_dir=tmp_path)
    assert len(_written(tmp_path)) <= 2, "a worker went on to another document, or another profile"
    _assert_whole_and_nothing_left(tmp_path)
    assert "Traceback" not in capfd.readouterr().err
