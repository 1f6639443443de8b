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

import dataclasses
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
from msp_docs import cache
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
    texts, problems = files.read_texts()
    # The shipped catalogue is parsed and validated in full once per version of its files; the
    # parsed data and the concepts' literals are kept in the user's cache (msp_docs.cache) under
    # a hash of the files, so an edited file is always read and validated again.
    key = cache.files_digest("catalogue", texts) if folder is None and not problems else None
    cached = cache.read_data("catalogue", key) if key else None
    trusted = isinstance(cached, dict) and isinstance(cached.get("data"), dict) and set(cached["data"]) == set(texts)
    if trusted:
        data = cached["data"]
    else:
        data, parse_problems = files.parse(texts)
        problems += parse_problems
        if problems:
            raise CatalogueError(_headline(problems, "cannot be read"), problems=problems)
        problems = _schema_problems(files, texts, data)
        if problems:
            raise CatalogueError(_headline(problems, "does not match its schema"), problems=problems)
    checker = _CrossCheck(files, texts, data, trusted=trusted)
    catalogue = checker.build()
    if checker.problems:
        raise CatalogueError(_headline(checker.problems, "is inconsistent"), problems=checker.problems)
    literals = cached.get("literals") if trusted else None
    catalogue = dataclasses.replace(catalogue, concept_literals=literals if isinstance(literals, dict) else None)
    if key and not trusted:
        cache.write_data("catalogue", key, {"data": data, "literals": catalogue.literal_table()})
    return catalogue


def _headline(problems: list[Problem], what: str) -> str:
    count = len(problems)
    return f"the statutory catalogue {what} ({count} problem{'s' if count != 1 else ''}); this is a defect in msp-docs"
