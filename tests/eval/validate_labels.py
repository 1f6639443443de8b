#!/usr/bin/env python3
"""Consistency check for every reading of the evaluation documents (this is NOT the coverage checker).

For both sets (see README.md) it checks that:

* every document exists and its extension matches its ``format``; kind and split are known ones;
* every document has two readings (``--allow-single`` relaxes this while readings are coming in);
* every reading labels each of the 23 themes with a valid status and a ``why``;
* every ``covered``/``partial`` label has a ``quote`` that occurs verbatim in the text of the
  document as built (after normalising whitespace, quote marks and dashes); ``missing`` has none;
* every source has exactly one indexed document.

It prints the number of labels by status, set and kind. Exit status 1 on any problem.

    python tests/eval/validate_labels.py [-v] [--allow-single]
"""

from __future__ import annotations

import collections
import re
import sys
import zipfile
from pathlib import Path

from lxml import etree

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from evalset import FORMATS, KINDS, SPLITS, STATUSES, THEMES, all_documents  # noqa: E402

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    text = text.replace("\ufffe", "-")  # pdfium's hyphen at the end of a line
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
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def document_text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return docx_text(path)
    if suffix == ".pdf":
        return pdf_text(path)
    return path.read_text(encoding="utf-8")


def main() -> int:
    problems: list[str] = []
    by_status: collections.Counter = collections.Counter()
    by_set: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    by_theme: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    documents = all_documents()
    for doc in documents:
        name = f"{doc.set}/{doc.name}"
        if not doc.path.exists():
            problems.append(f"{name}: file does not exist")
            continue
        if doc.format not in FORMATS or doc.path.suffix.lstrip(".") != doc.format:
            problems.append(f"{name}: format {doc.format!r} does not match the file")
        if doc.kind not in KINDS:
            problems.append(f"{name}: bad kind {doc.kind!r}")
        if doc.split not in SPLITS:
            problems.append(f"{name}: bad split {doc.split!r}")
        if len(doc.readings) < 2 and "--allow-single" not in sys.argv:
            problems.append(f"{name}: {len(doc.readings)} reading(s); every document needs two")
        if len({r.reader for r in doc.readings}) != len(doc.readings):
            problems.append(f"{name}: the same reader read it twice")
        text = normalise(document_text(doc.path))
        # A PDF's text may break a sentence with the page footer and header of the next page;
        # a quote found in the document's source is verbatim all the same.
        source = doc.path.parent.parent / "sources" / f"{doc.path.stem}.md"
        source_text = normalise(source.read_text(encoding="utf-8")) if doc.format == "pdf" and source.exists() else ""
        for reading in doc.readings:
            where = f"{name} ({reading.reader})"
            extra = set(reading.labels) - set(THEMES)
            if extra:
                problems.append(f"{where}: unknown themes {sorted(extra)}")
            for theme in THEMES:
                label = reading.labels.get(theme)
                if not label:
                    problems.append(f"{where}: no label for {theme}")
                    continue
                status = label.get("status")
                if status not in STATUSES:
                    problems.append(f"{where}: {theme}: bad status {status!r}")
                    continue
                if not label.get("why"):
                    problems.append(f"{where}: {theme}: no why")
                quote = label.get("quote")
                if status in ("covered", "partial"):
                    if not quote:
                        problems.append(f"{where}: {theme}: {status} label without a quote")
                    elif normalise(quote) not in text and normalise(quote) not in source_text:
                        problems.append(f"{where}: {theme}: quote not found in document: {quote!r}")
                elif quote:
                    problems.append(f"{where}: {theme}: missing label should not carry a quote")
                by_status[status] += 1
                by_set[doc.set][status] += 1
                by_kind[doc.kind][status] += 1
                by_theme[theme][status] += 1
    indexed = {(d.set, d.path.stem) for d in documents}
    for set_name, folder in (("project", HERE / "sources"), ("blind", HERE / "blind" / "sources")):
        for src in sorted(folder.glob("*.md")):
            if (set_name, src.stem) not in indexed:
                problems.append(f"{set_name}: sources/{src.name} has no indexed document")

    readings = sum(len(d.readings) for d in documents)
    print(f"documents: {len(documents)}, readings: {readings}, labels: {sum(by_status.values())}")
    print("by status:", dict(sorted(by_status.items())))
    for name, c in sorted(by_set.items()):
        print(f"  set {name}:", dict(sorted(c.items())))
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
