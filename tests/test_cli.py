"""The command line: exit codes, messages, help examples, and the README staying true."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from msp_docs import __version__
from msp_docs.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def run(*args: str, **kwargs):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, **kwargs)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_python_dash_m_works_from_another_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "msp_docs", "--version"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert __version__ in result.stdout


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_help_has_an_example(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"msp-docs {name}" in result.output.split("Example:", 1)[1]


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from msp_docs.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('docx', 'docxtpl', 'lxml', 'cerberus', 'ruamel', 'jinja2', 'pypdfium2') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert "HEAVY []" in result.stdout, result.stdout + result.stderr


def test_validate_ok_and_exit_zero():
    result = run("validate", str(ROOT / "profiles"))
    assert result.exit_code == 0
    assert result.output.count("ok: ") == 3


def test_validate_reports_problems_with_line_and_exits_2(profile_fixture):
    result = run("validate", str(profile_fixture("lead-email-invalid.yaml")), str(profile_fixture("valid-starter.yaml")))
    assert result.exit_code == 2
    assert "lead-email-invalid.yaml:45: people.operational_lead.email: 'jo@' is not an email address" in result.stderr
    assert "ok: " in result.output and "valid-starter.yaml" in result.output
    assert "1 of 2 profile(s) are not valid" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "fixture, message",
    [
        ("empty.yaml", "is empty"),
        ("syntax-error-unclosed-bracket.yaml", "is not valid YAML"),
        ("alias-bomb.yaml", "alias bomb"),
        ("name-control-character.yaml", "control character"),
    ],
)
def test_bad_profiles_exit_2_without_traceback(profile_fixture, fixture, message):
    result = run("validate", str(profile_fixture(fixture)))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_empty_folder(tmp_path):
    result = run("validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "no such profile; check the path" in result.stderr
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2 and "is a folder with no .yaml profiles in it" in result.stderr


def test_init_writes_a_valid_profile_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "new.yaml"
    result = run("init", str(target), "--kind", "contractor")
    assert result.exit_code == 0, result.output
    assert "kind: contractor" in target.read_text(encoding="utf-8")
    assert run("validate", str(target)).exit_code == 0
    before = target.read_bytes()
    result = run("init", str(target))
    assert result.exit_code == 2
    assert "already exists; nothing was written. Use --force" in result.stderr
    assert target.read_bytes() == before
    assert run("init", str(target), "--force").exit_code == 0
    assert "kind: housing-association" in target.read_text(encoding="utf-8")


def test_init_into_a_folder_is_refused(tmp_path):
    result = run("init", str(tmp_path))
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


def test_usage_error_exits_2():
    result = run("init")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_internal_errors_exit_1_and_debug_shows_traceback(monkeypatch, tmp_path):
    import msp_docs.profile as profile_module

    def broken(path):
        raise RuntimeError("boom")

    monkeypatch.setattr(profile_module, "load_profile", broken)
    result = CliRunner().invoke(cli, ["validate", str(ROOT / "profiles")])
    assert result.exit_code == 1
    assert "internal error: RuntimeError: boom" in result.stderr
    assert "--debug" in result.stderr and "Traceback" not in result.stderr
    result = CliRunner().invoke(cli, ["--debug", "validate", str(ROOT / "profiles")])
    assert isinstance(result.exception, RuntimeError)


# --------------------------------------------------------------------------- README stays true

def _readme_commands() -> dict[str, str]:
    """Command name -> its section text in the README's command reference."""
    reference = README.split("## Command reference", 1)[1].split("\n## ", 1)[0]
    sections = re.split(r"^### `msp-docs ([a-z-]+)[^`]*`\s*$", reference, flags=re.M)
    return {sections[i]: sections[i + 1] for i in range(1, len(sections), 2)}


def test_readme_documents_every_command_and_nothing_else():
    assert set(_readme_commands()) == set(cli.commands)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_readme_lists_every_option_of_each_command_and_no_others(name):
    section = _readme_commands()[name]
    command = cli.commands[name]
    options = {opt for p in command.params if isinstance(p, click.Option) for opt in p.opts if opt.startswith("--")}
    options.discard("--help")
    mentioned = set(re.findall(r"`(--[a-z][a-z-]*)", section))
    assert options <= mentioned, f"README does not mention {sorted(options - mentioned)} for {name}"
    assert mentioned <= options, f"README mentions {sorted(mentioned - options)} that {name} does not have"


def test_ci_runs_exactly_the_readme_quick_start_commands():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", quick, flags=re.S)
    assert len(commands) == 2, "the Quick start has exactly two commands"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands[0] in ci and commands[1] in ci
    assert ci.index(commands[0]) < ci.index(commands[1])


def test_requirements_json_shape():
    import json

    result = run("requirements", "--format", "json")
    assert result.exit_code == 0
    items = json.loads(result.output)
    paragraphs = [i for i in items if i["kind"] == "paragraph"]
    themes = [i for i in items if i["kind"] == "theme"]
    assert len(themes) == 23 and len(paragraphs) == 59
    for item in paragraphs:
        assert {"id", "kind", "title", "themes", "edition", "baselines", "verification"} <= set(item)
    for item in themes:
        assert {"id", "kind", "title", "paragraphs", "baselines"} <= set(item)
    p1413 = next(i for i in paragraphs if i["id"] == "14.13")
    assert "policy" in p1413["baselines"] and p1413["edition"] in ("2014", "2017")
    contract = json.loads(run("requirements", "--baseline", "contract", "--format", "json").output)
    assert len(contract) == 24 and all("contract" in i["baselines"] for i in contract)
    text = run("requirements", "--baseline", "leaflet").output
    assert "Themes (12):" in text and "14.17" in text


def test_clauses_json_shape():
    import json

    result = run("clauses", "--document", "contract", "--format", "json")
    assert result.exit_code == 0
    items = json.loads(result.output)
    assert items and all({"id", "title", "documents", "services", "covers"} <= set(i) for i in items)
    assert all("contract" in i["documents"] for i in items)
    gas_only = [i for i in items if i["services"] == ["gas"]]
    assert gas_only, "there are gas-only clauses"
    assert "con-gas" in run("clauses", "--document", "contract").output


def test_installed_package_builds_from_any_folder(tmp_path):
    """Templates and data ship inside the package: a build works from an unrelated folder."""
    result = subprocess.run(
        [sys.executable, "-m", "msp_docs", "build", str(ROOT / "profiles" / "flameguard-gas-services.yaml"), "--only", "leaflet", "-o", "out", "-q"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "flameguard-gas-services-ltd" / "leaflet.docx").exists()
