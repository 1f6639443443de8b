"""Write output files atomically: a temporary file in the same folder, then a rename.

An existing file is never replaced unless ``force`` is given, and an interruption (an exception,
Ctrl+C, SIGTERM) leaves neither a partial file nor a temporary file behind: Ctrl+C and SIGTERM
are held while the temporary file exists (see ``msp_docs.interrupt``) and delivered once it has
its final name or is gone.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

from msp_docs.errors import InvalidInputError, OutputExistsError
from msp_docs.interrupt import deferred

_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_NAME_ATTEMPTS = 100

_UMASK: int | None = None


def _file_mode() -> int:
    global _UMASK
    if _UMASK is None:
        # os.umask can only be read by setting it; do it once.
        _UMASK = os.umask(0)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def refuse_existing(paths, force: bool) -> None:
    """Raise OutputExistsError naming every path that exists, unless ``force``; write nothing."""
    if force:
        return
    existing = [str(p) for p in paths if Path(p).exists()]
    if existing:
        listing = "\n".join(f"  {p}" for p in existing)
        what = "this file" if len(existing) == 1 else "these files"
        raise OutputExistsError(f"{what} already exist{'s' if len(existing) == 1 else ''}; nothing was written. Use --force to replace:\n{listing}")


def _write_then_name(target: Path, data: bytes, force: bool) -> None:
    """Write ``data`` under a temporary name beside ``target``, then give it the target's name."""
    temporary: Path | None = None
    try:
        for _attempt in range(_NAME_ATTEMPTS):
            # Named before it exists, so the finally below removes it whenever an exception comes
            # after the file is created, even before os.open has returned.
            temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
            try:
                fd = os.open(temporary, _CREATE_FLAGS, 0o600)
            except FileExistsError:
                temporary = None  # another writer's file: never ours to remove
                continue
            break
        else:
            raise FileExistsError(errno.EEXIST, "no free name for a temporary file")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, _file_mode())
        if force:
            os.replace(temporary, target)
            temporary = None
        else:
            # link() fails if the target appeared meanwhile (another process), so nothing is
            # clobbered. Linked or refused, the temporary name is removed by the finally.
            try:
                os.link(temporary, target)
            except FileExistsError:
                refuse_existing([target], False)
            except OSError:
                # File systems without hard links: fall back to an exclusive check then rename.
                if target.exists():
                    refuse_existing([target], False)
                os.replace(temporary, target)
                temporary = None
    except OSError as err:
        raise InvalidInputError(f"cannot write {target}: {err.strerror}") from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def write_atomic(path: str | os.PathLike, data: bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; refuse to replace an existing file unless ``force``."""
    target = Path(path)
    if target.is_dir():
        raise InvalidInputError(f"{target} is a folder; give a file name to write to")
    if target.exists() and not target.is_file():
        # A device or pipe such as /dev/null or /dev/stdout: write straight to it. Replacing it
        # with a file (as a rename would, run as root) must never happen.
        try:
            with open(target, "wb") as handle:
                handle.write(data)
        except OSError as err:
            raise InvalidInputError(f"cannot write {target}: {err.strerror}") from None
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InvalidInputError(f"cannot create the folder {target.parent}: {err.strerror}") from None
    if not force and target.exists():
        refuse_existing([target], force)
    with deferred():
        _write_then_name(target, data, force)
    return target
