"""Atomic writes: nothing overwritten without force, nothing partial left behind."""

from __future__ import annotations

import errno
import os
import signal

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


def _assert_failing_write_leaves_nothing(folder, monkeypatch, fsync_error, raised) -> None:
    def broken_fsync(fd):
        raise fsync_error

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(raised):
        write_atomic(folder / "out.docx", b"data")
    assert list(folder.iterdir()) == []


def test_failure_leaves_no_temporary_file(tmp_path, monkeypatch):
    _assert_failing_write_leaves_nothing(tmp_path, monkeypatch, KeyboardInterrupt, KeyboardInterrupt)


def test_interrupt_right_after_the_temporary_file_is_created_leaves_nothing(tmp_path, after_temporary_file_created):
    # The exception comes before os.open has even returned the new file's descriptor.
    target = tmp_path / "out.docx"
    seen = []

    def interrupt(fd):
        seen.append(sorted(p.name for p in tmp_path.iterdir()))
        os.close(fd)
        raise KeyboardInterrupt

    after_temporary_file_created(interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"data")
    assert len(seen) == 1 and seen[0][0].startswith(".out.docx.") and seen[0][0].endswith(".tmp")
    assert list(tmp_path.iterdir()) == []


def test_sigterm_right_after_the_temporary_file_is_created_waits_for_the_file(tmp_path, cli_signals, after_temporary_file_created):
    # A real signal, handled as the command line handles it: held until the file is whole and
    # named, then raised.
    target = tmp_path / "out.docx"
    after_temporary_file_created(lambda _fd: signal.raise_signal(signal.SIGTERM))
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"data")
    assert target.read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == ["out.docx"]
    assert cli_signals == []


def test_ctrl_c_during_the_clean_up_does_not_cut_it_short(tmp_path, cli_signals, monkeypatch):
    real_unlink = os.unlink

    def unlink_after_ctrl_c(path, *args, **kwargs):
        signal.raise_signal(signal.SIGINT)
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink_after_ctrl_c)
    _assert_failing_write_leaves_nothing(tmp_path, monkeypatch, OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt)


def test_a_second_writer_temporary_file_is_never_removed(tmp_path, monkeypatch):
    # Two writers drawing the same temporary name: the loser picks another and leaves the
    # winner's file alone.
    target = tmp_path / "out.docx"
    names = iter(["same", "same", "other"])
    monkeypatch.setattr("msp_docs.write.secrets.token_hex", lambda _n: next(names))
    (tmp_path / ".out.docx.same.tmp").write_bytes(b"another writer's")
    write_atomic(target, b"data")
    assert target.read_bytes() == b"data"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.docx.same.tmp", "out.docx"]


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
