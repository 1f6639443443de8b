"""The statutory catalogue: paragraphs, themes, baselines, evidence vocabulary and law, read from data files.

The domain knowledge lives in ``msp_docs/data/catalogue/*.yaml`` so that a safeguarding lead can
review it without reading Python. This package reads those files, validates each one against
``schema.yaml`` (Cerberus), cross-checks every id they use, and returns one frozen
:class:`Catalogue`. A broken catalogue is a defect in msp-docs, so problems are raised as
:class:`~msp_docs.errors.CatalogueError` listing every problem at once.

It also holds the reference meaning of the evidence vocabulary (``concepts.yaml``): which
concepts a sentence shows (:meth:`Catalogue.concepts_in`) and whether a rule is met
(:meth:`EvidenceRule.assess`), so the coverage checker and the tests read the data the same way.

Loading runs in stages, one module each; names with a leading underscore are for this package only:

- ``reading``: the files read, their YAML parsed, each checked against ``schema.yaml``;
- ``crosscheck``: the files checked against each other, and the :class:`Catalogue` built;
- ``contents``: what the catalogue holds (requirements, evidence rules, baselines, the Catalogue);
- ``concepts``: the evidence vocabulary's concepts, sentence normalising and the matching prefilter.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from msp_docs.catalogue.concepts import Concept, normalise
from msp_docs.catalogue.contents import (
    COVERED,
    MISSING,
    NAME_SUFFIX,
    PARTIAL,
    THEME_VERIFICATION,
    VERIFICATIONS,
    Baseline,
    Catalogue,
    EvidenceRule,
    Requirement,
)
from msp_docs.catalogue.crosscheck import _CrossCheck
from msp_docs.catalogue.reading import DATA_FILES, SCHEMA_FILE, _Files, _schema_problems
from msp_docs.errors import CatalogueError, Problem

__all__ = [
    "Baseline",
    "COVERED",
    "Catalogue",
    "Concept",
    "DATA_FILES",
    "EvidenceRule",
    "MISSING",
    "NAME_SUFFIX",
    "PARTIAL",
    "Requirement",
    "SCHEMA_FILE",
    "THEME_VERIFICATION",
    "VERIFICATIONS",
    "load_catalogue",
    "normalise",
]


# --------------------------------------------------------------------------- loading


@lru_cache(maxsize=None)
def load_catalogue(folder: str | os.PathLike | None = None) -> Catalogue:
    """Read, validate and cross-check the catalogue (the shipped one, or a folder of the same files)."""
    if folder is None:
        source = resources.files("msp_docs").joinpath("data", "catalogue")
        label = "msp_docs/data/catalogue"
    else:
        source = Path(folder)
        label = str(folder)
    files = _Files(source, label)
    texts, data, problems = files.read_all()
    if problems:
        raise CatalogueError(_headline(problems, "cannot be read"), problems=problems)
    # The shipped catalogue is validated in full once per version of its files; the result is
    # remembered by a hash of the files, so an edited file is always validated again.
    marker = _validated_marker(texts) if folder is None else None
    trusted = marker is not None and marker.exists()
    if not trusted:
        problems = _schema_problems(files, texts, data)
        if problems:
            raise CatalogueError(_headline(problems, "does not match its schema"), problems=problems)
    checker = _CrossCheck(files, texts, data, trusted=trusted)
    catalogue = checker.build()
    if checker.problems:
        raise CatalogueError(_headline(checker.problems, "is inconsistent"), problems=checker.problems)
    if marker is not None and not trusted:
        _remember_validated(marker)
    return catalogue


def _validated_marker(texts: dict[str, str]) -> Path | None:
    """Where a successful full validation of exactly these files is remembered (None: never)."""
    if os.environ.get("MSP_DOCS_NO_CACHE") == "1":
        return None
    import hashlib

    from msp_docs import __version__

    digest = hashlib.sha256(__version__.encode())
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode("utf-8") + b"\0")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "msp-docs"
    return base / f"catalogue-{digest.hexdigest()[:32]}.validated"


def _remember_validated(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("validated against schema.yaml\n", encoding="utf-8")
        os.replace(tmp, marker)
    except OSError:
        pass  # a read-only home: validate every time instead


def _headline(problems: list[Problem], what: str) -> str:
    count = len(problems)
    return f"the statutory catalogue {what} ({count} problem{'s' if count != 1 else ''}); this is a defect in msp-docs"
