"""Atomic writes: nothing overwritten without force, nothing partial left behind."""

from __future__ import annotations

import os

import pytest

from msp_docs.errors import InvalidInputError, OutputExistsError
from msp_docs.write import refuse_existing, write_atomic


def test_writes_and_creates_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.docx"
    write_atomic(target, b"data")
    assert target.read_bytes() == b"data"
    assert [p.name for p in target.parent.iterdir()] == ["out.docx"]


def test_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "out.docx"
    target.write_bytes(b"original")
    with pytest.raises(OutputExistsError) as err:
        write_atomic(target, b"new")
    assert "--force" in str(err.value) and str(target) in str(err.value)
    assert target.read_bytes() == b"original"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.docx"]


def test_force_replaces(tmp_path):
    target = tmp_path / "out.docx"
    target.write_bytes(b"original")
    write_atomic(target, b"new", force=True)
    assert target.read_bytes() == b"new"


def test_failure_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "out.docx"

    def broken_fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"data")
    assert list(tmp_path.iterdir()) == []


def test_folder_as_target_is_refused(tmp_path):
    with pytest.raises(InvalidInputError) as err:
        write_atomic(tmp_path, b"x")
    assert "is a folder" in str(err.value)


def test_refuse_existing_lists_every_file(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("1")
    b.write_text("2")
    with pytest.raises(OutputExistsError) as err:
        refuse_existing([a, b, tmp_path / "c"], force=False)
    assert str(a) in str(err.value) and str(b) in str(err.value) and "c\n" not in str(err.value)
    refuse_existing([a, b], force=True)


def test_devices_are_written_to_never_replaced(tmp_path):
    fifo_free_device = "/dev/null"
    if not os.path.exists(fifo_free_device):
        pytest.skip("no /dev/null on this system")
    before = os.stat(fifo_free_device)
    write_atomic(fifo_free_device, b"discarded", force=True)
    write_atomic(fifo_free_device, b"discarded")
    after = os.stat(fifo_free_device)
    import stat

    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
