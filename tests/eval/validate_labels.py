#!/usr/bin/env python3
"""Consistency check for tests/eval/labels.yaml (this is NOT the coverage checker).

It checks that:

* every document entry has file, format, kind, split, description and labels;
* the file exists and its extension matches ``format``;
* every one of the 23 themes has a label with a valid status and a ``why``;
* every ``covered``/``partial`` label has a ``quote`` that occurs verbatim in the text of the
  document as built (after normalising whitespace, quote marks and dashes);
* every source in sources/ has exactly one labelled document.

It prints the number of labels by status, by split and by kind. Exit status 1 on any problem.

Run with the project venv:  /tmp/venv/bin/python tests/eval/validate_labels.py
"""

from __future__ import annotations

import collections
import re
import sys
import zipfile
from pathlib import Path

from lxml import etree
from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent

THEMES = [
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
]
STATUSES = {"covered", "partial", "missing"}
KINDS = {"policy", "procedure", "contract", "statement", "unrelated"}
SPLITS = {"dev", "holdout"}
FORMATS = {"docx", "pdf", "md", "txt"}

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
    text = text.replace("**", "")
    return re.sub(r"\s+", " ", text).strip()


def docx_text(path: Path) -> str:
    parts: list[str] = []
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist()
                 if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)]
        for name in sorted(names):
            root = etree.fromstring(z.read(name))
            for p in root.iter(W + "p"):
                parts.append("".join(t.text or "" for t in p.iter(W + "t")))
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(str(path))


def document_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return docx_text(path)
    if suffix == ".pdf":
        return pdf_text(path)
    return path.read_text(encoding="utf-8")


def main() -> int:
    yaml = YAML(typ="safe")
    data = yaml.load((HERE / "labels.yaml").read_text(encoding="utf-8"))
    problems: list[str] = []
    by_status: collections.Counter = collections.Counter()
    by_split: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    by_theme: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    seen_stems = set()

    for doc in data["documents"]:
        file = doc.get("file", "?")
        for key in ("file", "format", "kind", "split", "description", "labels"):
            if key not in doc:
                problems.append(f"{file}: missing key {key}")
        path = HERE / file
        if not path.exists():
            problems.append(f"{file}: file does not exist")
            continue
        seen_stems.add(path.stem)
        if doc.get("format") not in FORMATS or path.suffix.lstrip(".") != doc.get("format"):
            problems.append(f"{file}: format {doc.get('format')!r} does not match the file")
        if doc.get("kind") not in KINDS:
            problems.append(f"{file}: bad kind {doc.get('kind')!r}")
        if doc.get("split") not in SPLITS:
            problems.append(f"{file}: bad split {doc.get('split')!r}")
        labels = doc.get("labels") or {}
        extra = set(labels) - set(THEMES)
        if extra:
            problems.append(f"{file}: unknown themes {sorted(extra)}")
        text = normalise(document_text(path))
        for theme in THEMES:
            label = labels.get(theme)
            if not label:
                problems.append(f"{file}: no label for {theme}")
                continue
            status = label.get("status")
            if status not in STATUSES:
                problems.append(f"{file}: {theme}: bad status {status!r}")
                continue
            if not label.get("why"):
                problems.append(f"{file}: {theme}: no why")
            quote = label.get("quote")
            if status in ("covered", "partial"):
                if not quote:
                    problems.append(f"{file}: {theme}: {status} label without a quote")
                elif normalise(quote) not in text:
                    problems.append(f"{file}: {theme}: quote not found in document: {quote!r}")
            elif quote:
                problems.append(f"{file}: {theme}: missing label should not carry a quote")
            by_status[status] += 1
            by_split[doc.get("split")][status] += 1
            by_kind[doc.get("kind")][status] += 1
            by_theme[theme][status] += 1

    for src in sorted((HERE / "sources").glob("*.md")):
        if src.stem not in seen_stems:
            problems.append(f"sources/{src.name}: no labelled document")

    print(f"documents: {len(data['documents'])}, labels: {sum(by_status.values())}")
    print("by status:", dict(sorted(by_status.items())))
    for split, c in sorted(by_split.items()):
        print(f"  split {split}:", dict(sorted(c.items())))
    for kind, c in sorted(by_kind.items()):
        print(f"  kind {kind}:", dict(sorted(c.items())))
    if "-v" in sys.argv:
        for theme in THEMES:
            print(f"  {theme:32s}", dict(sorted(by_theme[theme].items())))
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
