"""Uploaded files: saved under names msp-docs makes up, in a temporary folder removed afterwards.

A user's file name is never used as a path: it is cleaned for showing on the page and for the
name of a download, and the library's messages about a saved file are given back that name.
"""

from __future__ import annotations

import re
import secrets
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from msp_docs.errors import InvalidInputError

_CHUNK = 1024 * 1024


class UploadError(InvalidInputError):
    """Raised when an upload is refused before the library sees it (too large, too many, none)."""


@dataclass(frozen=True)
class Upload:
    """A saved upload: where msp-docs put it, and the name the person gave it."""

    path: Path
    name: str


def display_name(filename: str | None, fallback: str = "document") -> str:
    """A file name fit to show and to offer as a download name: no folders, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = " ".join(name.split()).strip(". ")
    if len(name) > 120:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: 110] + dot + suffix[:9]) if dot and len(suffix) <= 9 else name[:120]
    return name or fallback


def _suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""


class UploadFolder:
    """A temporary folder for one request's uploads; ``remove()`` deletes it and everything in it."""

    def __init__(self, max_file_bytes: int) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="msp-docs-upload-"))
        self.max_file_bytes = max_file_bytes
        self.uploads: list[Upload] = []

    def _new_path(self, name: str) -> Path:
        return self.path / f"upload-{secrets.token_hex(6)}{_suffix(name)}"

    def save(self, storage) -> Upload:
        """Save one uploaded file (a werkzeug FileStorage) under a made-up name; refuse one too large."""
        name = display_name(storage.filename)
        target = self._new_path(name)
        written = 0
        with open(target, "wb") as out:
            while True:
                chunk = storage.stream.read(_CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                if written > self.max_file_bytes:
                    raise UploadError(f"{name} is larger than {self.max_file_bytes // _CHUNK} MB, the most one file may be; send a smaller file")
                out.write(chunk)
        upload = Upload(target, name)
        self.uploads.append(upload)
        return upload

    def put(self, data: bytes, name: str) -> Upload:
        """Save a file kept from an earlier upload (``name`` as the person gave it) under a made-up name."""
        target = self._new_path(name)
        target.write_bytes(data)
        upload = Upload(target, name)
        self.uploads.append(upload)
        return upload

    def remove(self) -> None:
        """Delete the folder and the uploads in it."""
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> "UploadFolder":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def chosen_files(files, max_files: int) -> list:
    """The files a person chose in a file input (empty inputs dropped); refuse too many or none."""
    chosen = [f for f in files if f and f.filename]
    if not chosen:
        raise UploadError("Choose a file first")
    if len(chosen) > max_files:
        raise UploadError(f"You chose {len(chosen)} files; you can send at most {max_files} at once. Send them in smaller groups")
    return chosen


def in_their_names(message: str, uploads: list[Upload]) -> str:
    """A library message with each saved file's path or made-up name replaced by the name the person gave it."""
    for upload in uploads:
        message = message.replace(str(upload.path), upload.name).replace(upload.path.name, upload.name)
    return message
