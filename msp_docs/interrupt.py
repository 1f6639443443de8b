"""Ctrl+C and SIGTERM: where an interruption may land, and where it has to wait.

Python runs a signal handler between any two bytecodes of the main thread, so an exception
raised from one can land anywhere: between creating a temporary file and remembering its name,
half-way through the clean-up that removes it, or inside a ``__del__`` method, where Python
prints it as "Exception ignored in ..." with a traceback and then drops it. This module keeps
those places out of reach:

- ``deferred()`` holds both signals for a short critical section and delivers them when it ends;
- ``install()`` (the command line) turns both signals into KeyboardInterrupt, except inside a
  finaliser, where the signal is sent again a moment later, once the finaliser has returned;
- ``note_only()`` (a worker process) only notes a signal; the work asks ``requested()`` at a
  point where stopping is safe, between two documents.
"""

from __future__ import annotations

import _thread
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_last_signal = signal.SIGINT
_requested = False


def _in_main_thread() -> bool:
    # Python runs signal handlers in the main thread only, and only it may change them.
    return threading.current_thread() is threading.main_thread()


@contextmanager
def deferred() -> Iterator[None]:
    """Hold Ctrl+C and SIGTERM until the block ends, then deliver them as they would have been.

    For work that must not stop half-way (create, fill and rename a temporary file). Outside the
    main thread no handler can interrupt, so nothing needs holding.
    """
    if not _in_main_thread():
        yield
        return
    caught: list[int] = []
    held: dict[int, object] = {}
    open_ = True

    def hold(signum, frame):
        if open_:
            caught.append(signum)
        else:
            # Only reached if restoring the handlers below was itself cut short by a signal.
            signal.signal(signum, held[signum])
            signal.raise_signal(signum)

    try:
        for signum in SIGNALS:
            handler = signal.getsignal(signum)
            if handler in (signal.SIG_IGN, None):
                continue  # ignored, or installed from C code: nothing of ours to hold or restore
            held[signum] = handler  # remembered before replacing, so the finally always restores it
            signal.signal(signum, hold)
        yield
    finally:
        open_ = False
        for signum, handler in held.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):
            # Through the restored handler: KeyboardInterrupt, or the default action for SIGTERM.
            signal.raise_signal(signum)


def _must_not_be_interrupted(frame) -> bool:
    # A __del__ method drops an exception raised in it (after printing it), and so would the hook
    # below, which Python calls while reporting such an exception.
    while frame is not None:
        code = frame.f_code
        if code.co_name == "__del__" or code is _unraisable.__code__:
            return True
        frame = frame.f_back
    return False


def _ask_again(signum: int) -> None:
    """Have ``signum`` sent to the main thread again, from another thread, a moment from now.

    Not from here: Python would run this handler again before it returns, and again, until the
    stack overflowed. The other thread has to wait for the interpreter lock, so the signal comes
    once the main thread has moved on.
    """
    send = getattr(signal, "pthread_kill", None)
    try:
        if send is not None:
            # To the main thread itself, so that a system call it is waiting in is interrupted.
            _thread.start_new_thread(send, (threading.main_thread().ident, signum))
        else:
            _thread.start_new_thread(_thread.interrupt_main, (signum,))
    except RuntimeError:
        pass  # the interpreter is shutting down: there is nothing left to interrupt


def _raise_keyboard_interrupt(signum, frame) -> None:
    global _last_signal
    _last_signal = signum
    if _must_not_be_interrupted(frame):
        _ask_again(signum)
        return
    raise KeyboardInterrupt


def _unraisable(unraisable) -> None:
    if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
        # Dropped by a finaliser that _must_not_be_interrupted cannot see (a generator closed by
        # the garbage collector, a weakref callback): no traceback, and the signal comes again.
        _ask_again(_last_signal)
        return
    _previous_unraisable_hook(unraisable)


_previous_unraisable_hook = sys.unraisablehook


def install() -> None:
    """For the command line: Ctrl+C and SIGTERM raise KeyboardInterrupt, never inside a finaliser.

    A signal that is ignored (``nohup``, a background job) stays ignored. Calling it again does
    nothing more.
    """
    for signum in SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise_keyboard_interrupt)
    global _previous_unraisable_hook
    if sys.unraisablehook is not _unraisable:
        _previous_unraisable_hook = sys.unraisablehook
        sys.unraisablehook = _unraisable


def ignore_further() -> None:
    """After an interruption has been reported: ignore further Ctrl+C and SIGTERM while exiting."""
    if not _in_main_thread():
        return
    for signum in SIGNALS:
        if signal.getsignal(signum) is _raise_keyboard_interrupt:
            signal.signal(signum, signal.SIG_IGN)


def _note(signum, frame) -> None:
    global _requested
    _requested = True


def note_only() -> None:
    """For a worker process: Ctrl+C and SIGTERM are only noted, for ``requested()`` to report.

    A handler rather than SIG_IGN, so that programs the worker starts (LibreOffice) are still
    stopped by Ctrl+C: an ignored signal stays ignored across exec, a handled one does not.
    """
    global _requested
    _requested = False
    for signum in SIGNALS:
        signal.signal(signum, _note)


def requested() -> bool:
    """True once this worker process has been sent Ctrl+C or SIGTERM."""
    return _requested
