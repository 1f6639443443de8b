"""Write output files atomically: a temporary file in the same folder, then a rename.

An existing file is never replaced unless ``force`` is given, and an interruption (an exception,
Ctrl+C, SIGTERM turned into SystemExit by the CLI) leaves neither a partial file nor a
temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from msp_docs.errors import InvalidInputError, OutputExistsError

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
    tmp_name = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, _file_mode())
        if force:
            os.replace(tmp_name, target)
        else:
            # link() fails if the target appeared meanwhile (another process), so nothing is clobbered.
            try:
                os.link(tmp_name, target)
            except FileExistsError:
                refuse_existing([target], False)
            except OSError:
                # File systems without hard links: fall back to an exclusive check then rename.
                if target.exists():
                    refuse_existing([target], False)
                os.replace(tmp_name, target)
                tmp_name = None
            else:
                os.unlink(tmp_name)
                tmp_name = None
        tmp_name = None
    except OSError as err:
        raise InvalidInputError(f"cannot write {target}: {err.strerror}") from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return target
