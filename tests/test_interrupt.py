"""Ctrl+C and SIGTERM: held during critical sections, never dropped by a finaliser, ignored signals kept."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from msp_docs import interrupt


def _give_pending_handlers_a_chance(seconds: float = 0.3) -> None:
    # Python runs a pending signal handler at a function call or a backward jump; a signal sent
    # again from another thread needs that thread to run, which sleeping lets it do.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.01)


def test_deferred_holds_ctrl_c_until_the_block_ends():
    events = []
    with pytest.raises(KeyboardInterrupt):
        with interrupt.deferred():
            signal.raise_signal(signal.SIGINT)
            _give_pending_handlers_a_chance()
            events.append("finished the block")
    assert events == ["finished the block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_deferred_puts_every_handler_back(cli_signals):
    before = {signum: signal.getsignal(signum) for signum in interrupt.SIGNALS}
    with pytest.raises(RuntimeError):
        with interrupt.deferred():
            assert all(signal.getsignal(s) is not before[s] for s in interrupt.SIGNALS)
            raise RuntimeError("failed inside")
    assert {signum: signal.getsignal(signum) for signum in interrupt.SIGNALS} == before


def test_deferred_holds_sigterm_even_with_its_default_action(tmp_path):
    # A library user who installed no handler: SIGTERM still waits for the block, then ends the
    # process as it would have.
    done = tmp_path / "done"
    script = (
        "import signal, sys\n"
        "from msp_docs.interrupt import deferred\n"
        "with deferred():\n"
        "    signal.raise_signal(signal.SIGTERM)\n"
        f"    open({str(done)!r}, 'w').write('the block finished')\n"
        "print('after the block')\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert completed.returncode == -signal.SIGTERM, completed.stderr
    assert done.read_text() == "the block finished"
    assert "after the block" not in completed.stdout


def test_deferred_outside_the_main_thread_does_nothing():
    import threading

    errors = []

    def worker():
        try:
            with interrupt.deferred():
                pass
        except BaseException as err:  # signal.signal would raise ValueError here
            errors.append(err)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert errors == []


def _archive_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize("signum", interrupt.SIGNALS, ids=["sigint", "sigterm"])
def test_a_signal_inside_zipfile_del_is_raised_after_it_not_dropped(cli_signals, monkeypatch, signum):
    data = _archive_bytes()
    closed = []
    real_close = zipfile.ZipFile.close

    def close_after_signal(self):
        signal.raise_signal(signum)  # lands inside ZipFile.__del__, which calls close()
        real_close(self)
        closed.append(self.fp is None)

    monkeypatch.setattr(zipfile.ZipFile, "close", close_after_signal)
    archive = zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(KeyboardInterrupt):
        del archive
        _give_pending_handlers_a_chance(5)
    assert closed == [True], "the finaliser was cut short"
    assert cli_signals == [], "Python printed 'Exception ignored in ... __del__'"


def test_an_interrupt_dropped_by_a_closing_generator_is_raised_again(cli_signals):
    # No __del__ frame to see: the generator's clean-up runs from the garbage collector, which
    # drops the KeyboardInterrupt; the hook asks for the signal again.
    def pages():
        try:
            yield 1
        finally:
            signal.raise_signal(signal.SIGINT)

    reader = pages()
    next(reader)
    with pytest.raises(KeyboardInterrupt):
        del reader
        _give_pending_handlers_a_chance(5)
    assert cli_signals == []


def test_other_dropped_exceptions_still_reach_the_previous_hook(cli_signals):
    class Broken:
        def __del__(self):
            raise ValueError("a real defect")

    Broken()
    assert [type(report.exc_value) for report in cli_signals] == [ValueError]


def test_install_keeps_ignored_signals_ignored(cli_signals):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as nohup or a background job starts it
    interrupt.install()
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    hook = sys.unraisablehook
    interrupt.install()
    assert sys.unraisablehook is hook, "installing twice must not wrap the hook twice"


def test_ignore_further_after_the_interruption_is_reported(cli_signals):
    interrupt.ignore_further()
    assert all(signal.getsignal(s) is signal.SIG_IGN for s in interrupt.SIGNALS)
    signal.raise_signal(signal.SIGTERM)  # nothing happens
    _give_pending_handlers_a_chance()


def test_a_worker_only_notes_a_signal(cli_signals):
    interrupt.note_only()
    assert not interrupt.requested()
    signal.raise_signal(signal.SIGTERM)
    _give_pending_handlers_a_chance()
    assert interrupt.requested()
    interrupt.note_only()
    assert not interrupt.requested()
