"""Compare multi-pattern literal scanners for the checker's concept prefilter.

    python benchmarks/prefilter_libraries.py            # the libraries that are installed
    pip install pyahocorasick google-re2 hyperscan      # to compare all of them

The prefilter (``_Prefilter`` in ``msp_docs/catalogue/concepts.py``) finds, in each normalised,
lower-cased sentence, which of a few hundred literal strings occur, and from them the concepts
whose expressions are worth running. This script collects every sentence the checker matches
when it reads the evaluation documents and the benchmark's long document, then times each scanner
on the same sentences (building it, and scanning them all), and checks that every scanner finds
exactly the same literals as the current one. It is a script that prints figures, not a test.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def corpus(long_document: bool = True) -> list[str]:
    """Every distinct text the checker hands to concept matching for the evaluation documents (and the long one)."""
    from msp_docs.catalogue import load_catalogue

    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import make_long_document
    from test_catalogue import _evaluation_documents, _sentences_the_checker_matches

    with tempfile.TemporaryDirectory() as work:
        documents = _evaluation_documents()
        if long_document:
            documents += [p for p in make_long_document(Path(work)) if p]
        return _sentences_the_checker_matches(load_catalogue(), documents)


def _trie_candidates(literal_sets):
    """The scan msp-docs used before: one overlapping search for a trie-shaped expression of the literals."""
    import re

    always = frozenset(cid for cid, lits in literal_sets.items() if lits is None)
    literals = sorted({lit for lits in literal_sets.values() if lits for lit in lits}, key=len)
    # A literal's key is the shortest literal that is a prefix of it: at any one position the
    # scan reports only one string, so it must be the one all longer ones share.
    keys: list[str] = []
    key_of: dict[str, str] = {}
    for lit in literals:
        key = next((k for k in keys if lit.startswith(k)), None)
        if key is None:
            keys.append(lit)
            key = lit
        key_of[lit] = key
    by_key: dict[str, set[str]] = {}
    for cid, lits in literal_sets.items():
        for lit in lits or ():
            by_key.setdefault(key_of[lit], set()).add(cid)

    def trie(words) -> str:
        tree: dict = {}
        for word in words:
            node = tree
            for char in word:
                node = node.setdefault(char, {})
            node[""] = {}

        def pattern(node: dict) -> str:
            ends = "" in node
            branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char != ""]
            if not branches:
                return ""
            body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
            return f"(?:{body})?" if ends else body

        return pattern(tree)

    scan = re.compile(f"(?=({trie(keys)}))")

    def candidates(text: str) -> frozenset[str]:
        out = set(always)
        for key in {m.group(1) for m in scan.finditer(text)}:
            out |= by_key[key]
        return frozenset(out)

    return candidates


def scanners(literal_sets: dict[str, frozenset[str] | None]) -> dict:
    """Builders of a candidates function (text -> concept ids), one per library that is installed.

    The current scan reports the shortest of the literals sharing a prefix and takes every concept
    of all of them; the libraries report each literal found, so they take only the concepts of
    literals that really occur. Both are supersets of the concepts that match.
    """
    always = frozenset(cid for cid, lits in literal_sets.items() if lits is None)
    of_literal: dict[str, set[str]] = {}
    for cid, lits in literal_sets.items():
        for lit in lits or ():
            of_literal.setdefault(lit, set()).add(cid)
    literals = sorted(of_literal)

    def union(found) -> frozenset[str]:
        out = set(always)
        for lit in found:
            out |= of_literal[lit]
        return frozenset(out)

    out = {"trie-shaped re (before)": lambda: _trie_candidates(literal_sets)}
    try:
        import ahocorasick

        def aho():
            automaton = ahocorasick.Automaton()
            for lit in literals:
                automaton.add_word(lit, lit)
            automaton.make_automaton()
            return lambda text: union({lit for _end, lit in automaton.iter(text)})

        out["pyahocorasick"] = aho
    except ImportError:
        pass
    try:
        import re2

        def re2_set():
            options = re2.Options()
            options.literal = True
            found = re2.Set.SearchSet(options)
            for lit in literals:
                found.Add(lit)
            found.Compile()
            return lambda text: union(literals[i] for i in found.Match(text) or ())

        out["google-re2 Set"] = re2_set
    except ImportError:
        pass
    try:
        import hyperscan

        def hs():
            database = hyperscan.Database()
            database.compile(
                expressions=[lit.encode() for lit in literals],
                ids=list(range(len(literals))),
                flags=[hyperscan.HS_FLAG_SINGLEMATCH] * len(literals),
                literal=True,
            )
            scratch = hyperscan.Scratch(database)

            def scan(text):
                hits: set[str] = set()

                def on_match(index, _start, _end, _flags, _context):
                    hits.add(literals[index])

                database.scan(text.encode(), match_event_handler=on_match, scratch=scratch)
                return union(hits)

            return scan

        out["hyperscan"] = hs
    except ImportError:
        pass
    return out


def _best_single(groups):
    """The concept-wide scan knows one group of literals per concept: the strongest."""
    return groups[0] if groups else None


def main() -> int:
    from msp_docs.catalogue import load_catalogue
    from msp_docs.catalogue.concepts import _required_literals

    catalogue = load_catalogue()
    concepts = catalogue.concepts
    literal_sets = {cid: _best_single(_required_literals(concept.regex_source)) for cid, concept in concepts.items()}
    texts = corpus()
    count = len({lit for lits in literal_sets.values() if lits for lit in lits})
    print(f"{len(texts):,} distinct sentences, {sum(map(len, texts)) / 1e6:.2f} M characters; {count} literals from {len(concepts)} concepts")

    def matches(candidates, text):
        return frozenset(cid for cid in candidates(text) if concepts[cid].regex.search(text))

    everything = [frozenset(cid for cid, c in concepts.items() if c.regex.search(text)) for text in texts]
    print("| Scanner | Build | Scan all sentences | Mean candidates | Scan and match | Same matches as every concept |")
    print("|---|---|---|---|---|---|")
    for name, build in scanners(literal_sets).items():
        builds, scans, totals = [], [], []
        for _ in range(5):
            start = time.perf_counter()
            candidates = build()
            builds.append(time.perf_counter() - start)
            start = time.perf_counter()
            found = [candidates(text) for text in texts]
            scans.append(time.perf_counter() - start)
            start = time.perf_counter()
            matched = [matches(candidates, text) for text in texts]
            totals.append(time.perf_counter() - start)
        mean = statistics.mean(map(len, found))
        same = matched == everything
        print(
            f"| {name} | {statistics.median(builds) * 1000:.1f} ms | {statistics.median(scans) * 1000:.0f} ms | {mean:.1f} "
            f"| {statistics.median(totals) * 1000:.0f} ms | {'yes' if same else 'NO'} |"
        )
    # What msp-docs does now: pyahocorasick finds each pattern's literals, and only the patterns
    # whose literals occur are run (a concept matches when one of them does).
    from msp_docs.catalogue.concepts import _Prefilter

    builds, totals = [], []
    for _ in range(5):
        start = time.perf_counter()
        prefilter = _Prefilter(concepts)
        builds.append(time.perf_counter() - start)
        [prefilter.matching(text) for text in texts]  # compile each pattern once
        start = time.perf_counter()
        matched = [frozenset(prefilter.matching(text)) for text in texts]
        totals.append(time.perf_counter() - start)
    same = matched == everything
    print(f"| pyahocorasick, per pattern (msp-docs now) | {statistics.median(builds) * 1000:.1f} ms (literals worked out) | – | – | {statistics.median(totals) * 1000:.0f} ms | {'yes' if same else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
