"""The workspace folder: ``profiles/`` and ``output/`` exactly as the command line uses them.

A file is found by listing its folder and matching the name exactly; a name from a request is
never joined onto a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from msp_docs.errors import ProfileError


@dataclass(frozen=True)
class ProfileEntry:
    """A profile file in the workspace and how it stands."""

    name: str
    path: Path
    organisation: str | None
    services: tuple[str, ...]
    problem: str | None  # why it is not valid, or None


def profiles_folder() -> Path:
    """The workspace's profiles folder."""
    return current_app.config["PROFILES"]


def output_folder() -> Path:
    """The workspace's output folder (one sub-folder per organisation, as ``msp-docs build`` writes)."""
    return current_app.config["OUTPUT"]


def profile_files() -> list[Path]:
    """The profile files in the workspace, by name."""
    folder = profiles_folder()
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith((".", "~$"))),
        key=lambda p: p.name.casefold(),
    )


def profile_named(name: str | None) -> Path | None:
    """The workspace profile with exactly this file name, or None."""
    if not name:
        return None
    return next((p for p in profile_files() if p.name == name), None)


def profile_entries() -> list[ProfileEntry]:
    """Every workspace profile, validated, for choosing one."""
    from msp_docs.profile import load_profile

    entries = []
    for path in profile_files():
        try:
            profile = load_profile(path)
        except ProfileError as err:
            count = len(err.problems)
            entries.append(ProfileEntry(path.name, path, None, (), f"{count} problem{'s' if count != 1 else ''}: open it to fix"))
        else:
            entries.append(ProfileEntry(path.name, path, profile.name, tuple(profile.services()), None))
    return entries
