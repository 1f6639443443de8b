"""Measure the coverage checker against careful readers, beside the readers' agreement with each other.

    python tests/eval/evaluate.py                          # dev documents of both sets
    python tests/eval/evaluate.py --details                # dev disagreements, with the checker's evidence
    python tests/eval/evaluate.py --holdout --why "..."    # holdout too; the look is logged

Every document was read by two careful readers working blind (see LABELLING.md and README.md in
this folder). For each group of documents this prints:

* the readers with each other (every pair of readings of a document): the ceiling any
  reader-like checker can be held to;
* the checker with either reader (each reading counted once);
* the checker on the labels the readers share (where every reader of the document agrees);
* the review queue: the share of verdicts the checker marks for a human look, and how often the
  verdicts it does not mark agree with the shared labels.

"exact" counts covered, partial and missing as three answers; "presence" asks only whether a theme
is there at all (covered or partial) or missing.

Holdout documents are for reporting, not tuning: without ``--holdout`` nothing about them is
printed, and every run with it is recorded in holdout-looks.md with its reason.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE))

from evalset import all_documents  # noqa: E402

from msp_docs.check import check_document  # noqa: E402

LOOKS = HERE / "holdout-looks.md"


def _present(status: str) -> bool:
    return status != "missing"


def check_rows(documents=None) -> list[dict]:
    """Run the checker on every document (baseline guessed, as a user would) and pair its verdicts with the readings."""
    rows = []
    for doc in documents if documents is not None else all_documents():
        report = check_document(doc.path)
        for theme in doc.readings[0].labels if doc.readings else ():
            result = report.result(theme)
            rows.append(
                {
                    "set": doc.set,
                    "split": doc.split,
                    "kind": doc.kind,
                    "author": doc.author,
                    "written": doc.written,
                    "file": doc.name,
                    "theme": theme,
                    "readings": [r.status(theme) for r in doc.readings],
                    "quotes": [r.labels[theme].get("quote") for r in doc.readings],
                    "shared": doc.shared(theme),
                    "got": result.status,
                    "confidence": result.confidence,
                    "review": result.review,
                    "basis": result.basis,
                    "evidence": [e.quote for e in result.evidence[:2]],
                    "note": result.note,
                    "baseline": report.baseline,
                    "subject": report.subject,
                }
            )
    return rows


def _rate(pairs) -> dict:
    pairs = list(pairs)
    if not pairs:
        return {"n": 0, "exact": None, "presence": None}
    return {
        "n": len(pairs),
        "exact": round(sum(a == b for a, b in pairs) / len(pairs), 4),
        "presence": round(sum(_present(a) == _present(b) for a, b in pairs) / len(pairs), 4),
    }


def summarise(rows: list[dict]) -> dict:
    """Agreement figures for one group of rows."""
    two = [r for r in rows if len(r["readings"]) >= 2]
    pairs = [(r["readings"][i], r["readings"][j]) for r in two for i, j in combinations(range(len(r["readings"])), 2)]
    shared = [r for r in rows if r["shared"] is not None]
    either = [(r["got"], reading) for r in rows for reading in r["readings"]]
    kept = [r for r in shared if not r["review"]]
    return {
        "documents": len({(r["set"], r["file"]) for r in rows}),
        "readers": _rate(pairs),
        "checker_vs_either": _rate(either),
        "checker_vs_shared": _rate((r["got"], r["shared"]) for r in shared),
        "queued_share": round(sum(r["review"] for r in shared) / len(shared), 4) if shared else None,
        "not_queued_right": round(sum(r["got"] == r["shared"] for r in kept) / len(kept), 4) if kept else None,
        "unrelated_covered": [f"{r['file']} {r['theme']}" for r in rows if r["kind"] == "unrelated" and r["got"] == "covered"],
        "confusion_vs_shared": {f"{a}->{b}": n for (a, b), n in sorted(Counter((r["shared"], r["got"]) for r in shared).items())},
    }


def day_group(row: dict, split: str | None = None) -> str | None:
    """The group of a blind row's day within a split ("blind/holdout/12-04"; its own split unless given), or None."""
    return f"blind/{split or row['split']}/{row['written'][5:]}" if row["set"] == "blind" and row["written"] else None


def evaluate(splits=("dev", "holdout")) -> dict:
    """Checker and readers on the chosen splits: figures by set and split, and every row."""
    rows = [r for r in check_rows() if r["split"] in splits]
    groups = {}
    for set_name in ("project", "blind", "all"):
        for split in (*splits, "all"):
            chosen = [r for r in rows if (set_name == "all" or r["set"] == set_name) and (split == "all" or r["split"] == split)]
            if chosen:
                groups[f"{set_name}/{split}"] = summarise(chosen)
            if set_name == "blind":
                by_day: dict[str, list] = {}
                for r in chosen:
                    if day_group(r, split):
                        by_day.setdefault(day_group(r, split), []).append(r)
                for name, dated in sorted(by_day.items()):
                    if len(dated) != len(chosen):
                        groups[name] = summarise(dated)
    return {"groups": groups, "rows": rows}


def _pct(value) -> str:
    return "  -  " if value is None else f"{100 * value:5.1f}%"


def print_table(groups: dict) -> None:
    """The figures as a table, one group a line."""
    print(f"{'group':22} {'docs':>4} | {'readers':^15} | {'checker v either':^17} | {'checker v shared':^17} | {'queued':>6} {'rest right':>10}")
    print(f"{'':22} {'':>4} | {'exact':>7} {'pres.':>7} | {'exact':>8} {'pres.':>8} | {'exact':>8} {'pres.':>8} |")
    for name, g in groups.items():
        print(
            f"{name:22} {g['documents']:4} | {_pct(g['readers']['exact']):>7} {_pct(g['readers']['presence']):>7} | "
            f"{_pct(g['checker_vs_either']['exact']):>8} {_pct(g['checker_vs_either']['presence']):>8} | "
            f"{_pct(g['checker_vs_shared']['exact']):>8} {_pct(g['checker_vs_shared']['presence']):>8} | "
            f"{_pct(g['queued_share']):>6} {_pct(g['not_queued_right']):>10}"
        )


def print_bases(rows: list[dict]) -> None:
    """Per basis of a verdict: how many shared labels, how many agree (the figures behind confidence.yaml)."""
    by = {}
    for r in rows:
        if r["shared"] is not None:
            by.setdefault(r["basis"], []).append(r["got"] == r["shared"])
    print(f"\n{'basis':20} {'verdicts':>8} {'agree':>6} {'share right':>11}")
    for basis, marks in sorted(by.items(), key=lambda item: -len(item[1])):
        print(f"{basis:20} {len(marks):8} {sum(marks):6} {100 * sum(marks) / len(marks):10.1f}%")


CONFIDENCE = HERE.parent.parent / "msp_docs" / "data" / "catalogue" / "confidence.yaml"
#: A subject's own figure replaces the basis's only when this many verdicts back it.
SUBJECT_MINIMUM = 20


def write_confidence(rows: list[dict]) -> None:
    """Rewrite the measured figures in confidence.yaml (its comments and 'says' lines are kept)."""
    import re

    text = CONFIDENCE.read_text(encoding="utf-8")
    shared = [r for r in rows if r["shared"] is not None]
    documents = len({(r["set"], r["file"]) for r in shared})
    for basis in sorted({r["basis"] for r in shared}):
        marks = [r["got"] == r["shared"] for r in shared if r["basis"] == basis]
        value = round(sum(marks) / len(marks), 3)
        subjects = {}
        for subject in ("about", "section", "passing"):
            own = [r["got"] == r["shared"] for r in shared if r["basis"] == basis and r["subject"] == subject]
            if len(own) >= SUBJECT_MINIMUM:
                subjects[subject] = round(sum(own) / len(own), 3)
        pattern = re.compile(rf"(  {re.escape(basis)}:\n    confidence: )[0-9.]+\n(    in: \{{[^}}]*\}}\n)?(    says: .*\n)    measured: .*\n")
        inside = "    in: {" + ", ".join(f"{k}: {v}" for k, v in subjects.items()) + "}\n" if subjects else ""
        measured = f"    measured: {sum(marks)} of {len(marks)} verdicts agreed, on the labels all readers share in {documents} dev documents\n"
        text, count = pattern.subn(lambda m: m.group(1) + f"{value}\n" + inside + m.group(3) + measured, text)
        if count != 1:
            raise SystemExit(f"confidence.yaml: no entry for the basis '{basis}'")
    CONFIDENCE.write_text(text, encoding="utf-8")
    print(f"wrote {CONFIDENCE}")


def _log_look(why: str) -> None:
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    if not LOOKS.exists():
        LOOKS.write_text("# Looks at the holdout documents\n\nEvery run of `evaluate.py --holdout`, with its reason.\n\n", encoding="utf-8")
    with LOOKS.open("a", encoding="utf-8") as handle:
        handle.write(f"- {stamp}: {why}\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="list every disagreement with the shared labels")
    parser.add_argument("--holdout", action="store_true", help="include the holdout documents (the look is logged)")
    parser.add_argument("--why", help="with --holdout: why you are looking (written to holdout-looks.md)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--theme", help="with --details: only this theme")
    parser.add_argument("--bases", action="store_true", help="how often each basis of a verdict agrees with the shared labels (for confidence.yaml)")
    parser.add_argument("--write-confidence", action="store_true", help="write the dev figures of --bases into msp_docs/data/catalogue/confidence.yaml")
    args = parser.parse_args()
    if args.holdout:
        if not args.why:
            parser.error("--holdout needs --why: every look at the holdout documents is recorded")
        _log_look(args.why)
    splits = ("dev", "holdout") if args.holdout else ("dev",)
    result = evaluate(splits)
    if args.json:
        print(json.dumps(result["groups"], indent=2))
        return 0
    print_table(result["groups"])
    if args.bases:
        print_bases(result["rows"])
    if args.write_confidence:
        write_confidence([r for r in result["rows"] if r["split"] == "dev"])
    for name, g in result["groups"].items():
        if name.startswith("all/") and g["unrelated_covered"]:
            print(f"covered verdicts on unrelated documents ({name}): " + ", ".join(g["unrelated_covered"]))
    if args.details:
        for r in result["rows"]:
            if args.theme and r["theme"] != args.theme:
                continue
            wrong = r["shared"] is not None and r["got"] != r["shared"]
            if not wrong:
                continue
            print(f"\n{r['set']}/{r['file']} [{r['split']}] {r['theme']}: readers {'/'.join(r['readings'])}, checker {r['got']}"
                  + (f" (confidence {r['confidence']:.2f}{', review' if r['review'] else ''})") + (f" ({r['note']})" if r["note"] else ""))
            for quote in dict.fromkeys(q for q in r["quotes"] if q):
                print(f"   reader:  {quote[:160]}")
            for e in r["evidence"]:
                print(f"   checker: {e[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
