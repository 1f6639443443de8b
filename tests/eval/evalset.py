"""The evaluation sets, their documents and every reader's labels, loaded the same way for all.

Two sets (see README.md in this folder):

* ``project``: the 18 documents in ``documents/``, first read by their author (``labels.yaml``)
  and then by a blind second reader (``readings/<reader>/<stem>.yaml``);
* ``blind``: the documents in ``blind/documents/``, written by authors who never saw msp-docs
  (``blind/documents.yaml`` says who wrote each and its split) and read by two blind readers each
  (``blind/readings/<reader>/<stem>.yaml``).

A reading gives each of the 23 themes a status, a verbatim quote (covered and partial) and a why.
This module reads files only; it runs nothing of msp-docs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent

THEMES = (
    "principle-empowerment",
    "principle-prevention",
    "principle-proportionality",
    "principle-protection",
    "principle-partnership",
    "principle-accountability",
    "wellbeing",
    "making-safeguarding-personal",
    "mental-capacity",
    "information-sharing",
    "safeguarding-leads",
    "training",
    "supervision",
    "record-keeping",
    "reporting-concerns",
    "section-42-enquiries",
    "safeguarding-adults-board",
    "prevention-early-intervention",
    "types-of-abuse",
    "contractors",
    "advocacy",
    "complaints-whistleblowing",
    "policy-review",
)
STATUSES = ("covered", "partial", "missing")
KINDS = ("policy", "procedure", "contract", "code", "statement", "webpage", "excerpt", "unrelated")
SPLITS = ("dev", "holdout")
FORMATS = ("docx", "pdf", "md", "txt")


@dataclass(frozen=True)
class Reading:
    """One reader's labels for one document: theme -> {status, quote, why}."""

    reader: str
    labels: dict
    source: Path

    def status(self, theme: str) -> str:
        """The status this reader gave a theme."""
        return self.labels[theme]["status"]


@dataclass(frozen=True)
class Document:
    """An evaluation document with what is known about it and its readings, first reading first."""

    set: str
    path: Path
    kind: str
    split: str
    author: str
    format: str
    description: str
    readings: tuple[Reading, ...] = field(default=())
    #: the day the blind set's authors wrote it (each day's documents were made and read the same way)
    written: str = ""

    @property
    def name(self) -> str:
        """The document's file name."""
        return self.path.name

    def shared(self, theme: str) -> str | None:
        """The status every reader gave a theme, or None when they differ (or fewer than two read it)."""
        statuses = {r.status(theme) for r in self.readings}
        return statuses.pop() if len(self.readings) >= 2 and len(statuses) == 1 else None


def _yaml():
    return YAML(typ="safe")


def _readings(folder: Path, stem: str) -> list[Reading]:
    out = []
    if folder.is_dir():
        for reader in sorted(p for p in folder.iterdir() if p.is_dir()):
            path = reader / f"{stem}.yaml"
            if path.exists():
                data = _yaml().load(path.read_text(encoding="utf-8"))
                out.append(Reading(data.get("reader", reader.name), data["labels"], path))
    return out


def project_documents() -> list[Document]:
    """The project set: labels.yaml is its author's first reading; readings/ the blind second ones."""
    docs = []
    for entry in _yaml().load((HERE / "labels.yaml").read_text(encoding="utf-8"))["documents"]:
        path = HERE / entry["file"]
        first = Reading("author", entry["labels"], HERE / "labels.yaml")
        docs.append(
            Document("project", path, entry["kind"], entry["split"], "project", entry["format"], entry["description"],
                     tuple([first] + _readings(HERE / "readings", path.stem)))
        )
    return docs


def blind_documents() -> list[Document]:
    """The blind set, from blind/documents.yaml and blind/readings/ (empty until it exists)."""
    index = HERE / "blind" / "documents.yaml"
    if not index.exists():
        return []
    docs = []
    for entry in _yaml().load(index.read_text(encoding="utf-8"))["documents"]:
        path = HERE / "blind" / "documents" / entry["file"]
        docs.append(
            Document("blind", path, entry["kind"], entry["split"], entry["author"], entry["format"], entry["description"],
                     tuple(_readings(HERE / "blind" / "readings", path.stem)), str(entry.get("written", "")))
        )
    return docs


def all_documents() -> list[Document]:
    """Every evaluation document of both sets."""
    return project_documents() + blind_documents()
