"""Tests for msp_docs.cache: what is kept between runs, and that a damaged or unsafe cache is never trusted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from msp_docs import cache

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "profiles" / "kingsmead-st-annes.yaml"


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    """An empty cache folder for this test (and the commands it starts)."""
    home = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.delenv("MSP_DOCS_NO_CACHE", raising=False)
    return home / "msp-docs"


def _build(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "msp_docs", "build", str(PROFILE), "-o", str(out), "--date", "2026-04-01", "-q"],
        capture_output=True, text=True, env=os.environ.copy(), timeout=300,
    )


def _documents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.docx"))}


def test_the_tests_do_not_use_the_real_home():
    where = cache.folder()
    assert where is not None and not str(where).startswith(str(Path.home() / ".cache"))


def test_the_cache_follows_xdg_cache_home_and_can_be_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.folder() == tmp_path / "msp-docs"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG rules say
    assert cache.folder() == Path.home() / ".cache" / "msp-docs"
    monkeypatch.setenv("MSP_DOCS_NO_CACHE", "1")
    assert cache.folder() is None
    assert cache.write_data("thing", "key", {"a": 1}) is False


def test_a_value_comes_back_as_it_was_stored(cache_home):
    assert cache.read_data("thing", "k1") is None
    assert cache.write_data("thing", "k1", {"text": "Kingsmead & St Anne’s", "n": [1, 2.5, None, True]})
    assert cache.read_data("thing", "k1") == {"text": "Kingsmead & St Anne’s", "n": [1, 2.5, None, True]}
    assert cache.read_data("thing", "k2") is None  # another key is another entry
    # What JSON would change (a tuple, a date) is not stored rather than stored differently.
    import datetime as dt

    assert cache.write_data("thing", "k3", {"when": dt.date(2026, 4, 1)}) is False
    assert cache.write_data("thing", "k3", {"ids": ("a", "b")}) is False
    assert cache.read_data("thing", "k3") is None
    assert (cache_home.stat().st_mode & 0o777) == 0o700
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in cache_home.iterdir())
    assert not list(cache_home.glob("*.tmp"))


@pytest.mark.parametrize("damage", ["truncate", "garble", "empty", "flip-a-byte"])
def test_a_damaged_entry_is_ignored(cache_home, damage):
    assert cache.write_data("thing", "k", {"value": list(range(100))})
    assert cache.write_code("code", "k", {"c": compile("x = 1", "<t>", "exec")})
    for path in cache_home.iterdir():
        blob = path.read_bytes()
        if damage == "truncate":
            blob = blob[: len(blob) // 2]
        elif damage == "garble":
            blob = blob[:40] + os.urandom(len(blob) - 40)
        elif damage == "empty":
            blob = b""
        else:
            blob = blob[:-3] + bytes([blob[-3] ^ 1]) + blob[-2:]
        path.write_bytes(blob)
    assert cache.read_data("thing", "k") is None
    assert cache.read_code("code", "k") is None


def test_a_folder_or_file_others_can_write_to_is_not_read(cache_home):
    # A cache folder someone else could write to (a shared XDG_CACHE_HOME) could hold a planted
    # code object: such a folder is neither read nor written.
    assert cache.write_code("code", "k", {"c": compile("x = 1", "<t>", "exec")})
    entry = next(cache_home.iterdir())
    entry.chmod(0o666)
    assert cache.read_code("code", "k") is None
    entry.chmod(0o600)
    assert cache.read_code("code", "k") is not None
    cache_home.chmod(0o777)
    try:
        assert cache.read_code("code", "k") is None
        assert cache.write_data("thing", "k", {"a": 1}) is False
    finally:
        cache_home.chmod(0o700)
    # A link in place of an entry is not followed.
    target = entry.with_name("elsewhere")
    entry.rename(target)
    entry.symlink_to(target)
    assert cache.read_code("code", "k") is None


def test_a_build_fills_the_cache_and_gives_the_same_documents_from_it(cache_home, tmp_path):
    first = _build(tmp_path / "first")
    assert first.returncode == 0, first.stderr
    kinds = sorted(p.name.split("-")[0] for p in cache_home.iterdir())
    assert {p.name.rsplit("-", 1)[0] for p in cache_home.iterdir()} == {"catalogue", "clauses", "clause-templates", "profile-schema"}, kinds
    second = _build(tmp_path / "second")
    assert second.returncode == 0, second.stderr
    assert _documents(tmp_path / "first") == _documents(tmp_path / "second")


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_a_damaged_cache_is_rebuilt_and_the_build_still_works(cache_home, tmp_path, damage):
    assert _build(tmp_path / "fill").returncode == 0
    before = {p.name: p.read_bytes() for p in cache_home.iterdir()}
    for path in cache_home.iterdir():
        blob = path.read_bytes()
        path.write_bytes(blob[: len(blob) // 3] if damage == "truncate" else blob[:30] + b"\x00garbage\xff" * 50)
    result = _build(tmp_path / "after")
    assert result.returncode == 0, result.stderr
    assert _documents(tmp_path / "fill") == _documents(tmp_path / "after")
    assert {p.name: p.read_bytes() for p in cache_home.iterdir()} == before  # every entry made again, whole


def test_two_builds_starting_at_once_both_work_and_leave_whole_entries(cache_home, tmp_path):
    command = [sys.executable, "-m", "msp_docs", "build", str(PROFILE), "--date", "2026-04-01", "-q", "-o"]
    runs = [subprocess.Popen(command + [str(tmp_path / f"out-{n}")], stderr=subprocess.PIPE, env=os.environ.copy()) for n in range(2)]
    for run in runs:
        _out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    assert _documents(tmp_path / "out-0") == _documents(tmp_path / "out-1")
    assert not list(cache_home.glob("*.tmp")) and not list(cache_home.glob(".*"))
    for path in cache_home.iterdir():
        kind, key = path.stem.rsplit("-", 1)
        read = cache.read_code if path.suffix == ".code" else cache.read_data
        assert read(kind, key) is not None, path.name


def test_the_clause_templates_from_the_cache_are_sandboxed(cache_home):
    # A template made from cached code is the sandbox's own: it still refuses Python internals.
    from jinja2.exceptions import SecurityError

    from msp_docs import clauses

    env = clauses.sandbox()
    code = env.compile("{{ value.__class__ }}")
    assert cache.write_code("probe", "k", {"probe": code})
    template = env.template_class.from_code(env, cache.read_code("probe", "k")["probe"], env.make_globals(None), None)
    with pytest.raises(SecurityError):
        template.render(value="text")
