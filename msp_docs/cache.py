"""What does not change between runs of one installed version, kept in the user's cache folder.

Parsed data files, the fact that the shipped catalogue passed its schema, and the profile
schema are kept as JSON; compiled clause templates as Python code objects (``marshal``, the
format of Python's own ``__pycache__``). Every entry is:

- named by a hash of msp-docs' version, Python's and the libraries' versions where they matter,
  and the exact bytes of the files it was made from, so an edited file or a new version is never
  served an old entry;
- written to a temporary file and renamed into place, so two processes starting at once each see
  a whole entry or none;
- read back only when its checksum matches, so a damaged or truncated entry is ignored and made
  again;
- read only from a folder and a file that the user alone owns and can write (``XDG_CACHE_HOME``
  or ``~/.cache``, then ``msp-docs``, created with mode 0700). Anyone who could write there could
  already run programs as the user, so a cached code object gives nobody a power they did not
  have; a folder that others can write to is not used at all.

``MSP_DOCS_NO_CACHE=1`` turns the cache off. Failing to read or write it is never an error: the
work is then simply done again.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_MAGIC = b"msp-docs cache 1\n"


def folder() -> Path | None:
    """The cache folder (not necessarily there yet), or None when the cache is turned off."""
    if os.environ.get("MSP_DOCS_NO_CACHE") == "1":
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):  # the XDG rule: a relative path is ignored
        base = str(Path.home() / ".cache")
    return Path(base) / "msp-docs"


def digest(*parts: str | bytes) -> str:
    """A key for an entry: msp-docs' and Python's versions and the given parts (file names and contents)."""
    from msp_docs import __version__

    hashed = hashlib.sha256(f"{__version__}\0{sys.implementation.cache_tag}\0{sys.version}\0".encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hashed.update(len(data).to_bytes(8, "little") + data)
    return hashed.hexdigest()[:40]


def files_digest(label: str, texts: dict[str, str] | Iterable[tuple[str, str]], *extra: str | bytes) -> str:
    """A key for an entry made from named texts (every name and every character counts)."""
    items = sorted(texts.items() if isinstance(texts, dict) else texts)
    return digest(label, *extra, *(part for name, text in items for part in (name, text)))


def read_data(kind: str, key: str) -> Any | None:
    """The JSON value stored for ``kind`` under ``key``, or None (absent, damaged, or not safe to read)."""
    payload = _read(f"{kind}-{key}.json")
    if payload is None:
        return None
    import json

    try:
        return json.loads(payload.decode("utf-8"))
    except ValueError:
        return None


def write_data(kind: str, key: str, value: Any) -> bool:
    """Store a JSON value; False when it cannot be stored as it is (or the folder cannot be written)."""
    import json

    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return False
    if json.loads(text) != value:  # tuples, dates or non-string keys would come back different
        return False
    return _write(f"{kind}-{key}.json", text.encode("utf-8"))


def read_code(kind: str, key: str) -> Any | None:
    """Code objects (in plain containers) stored for ``kind`` under ``key``, or None."""
    payload = _read(f"{kind}-{key}.code")
    if payload is None:
        return None
    import marshal

    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None


def write_code(kind: str, key: str, value: Any) -> bool:
    """Store code objects (in plain containers) with marshal."""
    import marshal

    try:
        payload = marshal.dumps(value)
    except ValueError:
        return False
    return _write(f"{kind}-{key}.code", payload)


# --------------------------------------------------------------------------- the files


def _private(info: os.stat_result, *, directory: bool) -> bool:
    """Owned by this user, and writable by nobody else."""
    kind_ok = stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)
    return kind_ok and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _safe_folder(create: bool) -> Path | None:
    where = folder()
    if where is None or not hasattr(os, "getuid"):
        return None  # no cache, or no owner to check (Windows): do the work every time
    try:
        if create:
            where.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(where)
    except OSError:
        return None
    return where if _private(info, directory=True) else None


def _read(name: str) -> bytes | None:
    where = _safe_folder(create=False)
    if where is None:
        return None
    try:
        handle = os.open(where / name, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if not _private(os.fstat(handle), directory=False):
            return None
        with os.fdopen(handle, "rb") as stream:
            handle = -1
            blob = stream.read(200_000_000)
    except OSError:
        return None
    finally:
        if handle >= 0:
            os.close(handle)
    head, _, rest = blob.partition(b"\n")
    checksum, _, payload = rest.partition(b"\n")
    if head + b"\n" != _MAGIC or hashlib.sha256(payload).hexdigest().encode() != checksum:
        return None
    return payload


def _write(name: str, payload: bytes) -> bool:
    where = _safe_folder(create=True)
    if where is None:
        return False
    import tempfile

    try:
        handle, tmp = tempfile.mkstemp(dir=where, prefix=f".{name}.", suffix=".tmp")  # mode 0600
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(_MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
        os.replace(tmp, where / name)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
