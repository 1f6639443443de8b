"""Bookmarks, and the clause markers msp-docs keeps in them: names, ids and text fingerprints."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from msp_docs._ooxml.namespaces import _el, w


MARKER_PREFIX = "msp_"
_MARKER = re.compile(r"^msp_([a-z0-9_]+)_([0-9a-f]{7})$")


def bookmark_start(bookmark_id: int, name: str):
    """A w:bookmarkStart."""
    return _el("bookmarkStart", id=bookmark_id, name=name)


def bookmark_end(bookmark_id: int):
    """A w:bookmarkEnd."""
    return _el("bookmarkEnd", id=bookmark_id)


def max_bookmark_id(root) -> int:
    """The largest w:id of any bookmark in ``root`` (0 if none)."""
    ids = [int(b.get(w("id"))) for b in root.iter(w("bookmarkStart")) if (b.get(w("id")) or "").isdigit()]
    return max(ids, default=0)


def last_paragraph(element):
    """The last w:p inside a block element (the element itself if it is a paragraph)."""
    if element.tag == w("p"):
        return element
    found = None
    for p in element.iter(w("p")):
        found = p
    return found


# --------------------------------------------------------------------------- clause markers

def text_fingerprint(texts: Iterable[str]) -> str:
    """Seven hex digits identifying clause text, ignoring spacing and line breaks."""
    words = " ".join(" ".join(texts).split())
    return hashlib.sha256(words.encode("utf-8")).hexdigest()[:7]


def marker_name(clause_id: str, fingerprint: str) -> str:
    """Bookmark name for a clause: msp_<id with underscores>_<fingerprint> (at most 40 characters)."""
    name = f"{MARKER_PREFIX}{clause_id.replace('-', '_')}_{fingerprint}"
    if len(name) > 40:
        raise ValueError(f"clause id too long for a bookmark: {clause_id}")
    return name


def parse_marker(name: str) -> tuple[str, str] | None:
    """(clause id, fingerprint) from a marker bookmark name, or None for other bookmarks."""
    match = _MARKER.match(name or "")
    if not match:
        return None
    return match.group(1).replace("_", "-"), match.group(2)
