"""The evidence vocabulary's concepts: what one is, how sentences are normalised, and a prefilter that finds candidates fast."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=None)
def _compiled(source: str) -> re.Pattern:
    return re.compile(source)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-", "\u00a0": " "})


@dataclass(frozen=True)
class Concept:
    """A named idea the checker looks for, with its synonyms, false friends and required company."""

    id: str
    label: str
    patterns: tuple[str, ...]
    unless_near: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    #: Whole-word regular expressions over lower-cased text (matching without IGNORECASE is much
    #: faster); compiled on first use, so commands that never match concepts never pay for them.
    regex_source: str = field(repr=False, compare=False, default=r"(?!x)x")
    unless_source: str | None = field(repr=False, compare=False, default=None)

    @property
    def regex(self) -> re.Pattern:
        """The compiled patterns."""
        return _compiled(self.regex_source)

    @property
    def unless_regex(self) -> re.Pattern | None:
        """The compiled false friends, if any."""
        return _compiled(self.unless_source) if self.unless_source else None

    def matches_alone(self, sentence: str) -> bool:
        """True when a pattern matches the (normalised) sentence and no ``unless_near`` phrase does."""
        text = sentence.lower()
        if not self.regex.search(text):
            return False
        return not (self.unless_regex is not None and self.unless_regex.search(text))


class _Prefilter:
    """Which concepts can possibly match a text, found with one scan for literal strings.

    Each concept's regular expression is analysed for literal strings of which every match must
    contain at least one ("abus" in ``abus(e|ive)``); one combined scan of a sentence then names
    the concepts worth running their own expression on. Concepts whose patterns give no literal
    of three or more characters are always run. The answer is a superset, never a guess: the
    concept's own expression still decides.
    """

    def __init__(self, concepts: Mapping[str, "Concept"]) -> None:
        literal_sets = {cid: _required_literals(concept.regex_source) for cid, concept in concepts.items()}
        self.always = frozenset(cid for cid, lits in literal_sets.items() if lits is None)
        literals = sorted({lit for lits in literal_sets.values() if lits for lit in lits}, key=len)
        # A literal's key is the shortest literal that is a prefix of it: at any one position the
        # scan below reports only one string, so it must be the one all longer ones share.
        keys: list[str] = []
        key_of: dict[str, str] = {}
        for lit in literals:
            key = next((k for k in keys if lit.startswith(k)), None)
            if key is None:
                keys.append(lit)
                key = lit
            key_of[lit] = key
        self.by_key: dict[str, set[str]] = {}
        for cid, lits in literal_sets.items():
            for lit in lits or ():
                self.by_key.setdefault(key_of[lit], set()).add(cid)
        # Overlapping search: a zero-width match at every position that starts a key. The keys are
        # arranged as a trie, so each position costs a few character comparisons, not one per key.
        self.scan = re.compile(f"(?=({_trie_pattern(keys)}))") if keys else None

    def candidates(self, text: str) -> frozenset[str]:
        """Concept ids that may match ``text`` (already normalised and lower-cased)."""
        if self.scan is None:
            return self.always
        found = {m.group(1) for m in self.scan.finditer(text)}
        out = set(self.always)
        for key in found:
            out |= self.by_key[key]
        return frozenset(out)


def _trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words`` (none a prefix of another), built as a trie."""
    trie: dict = {}
    for word in words:
        node = trie
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

    return pattern(trie)


def _required_literals(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains at least one; None when unknown."""
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
        from re._constants import (  # type: ignore[attr-defined]
            ATOMIC_GROUP,
            BRANCH,
            LITERAL,
            MAX_REPEAT,
            MIN_REPEAT,
            POSSESSIVE_REPEAT,
            SUBPATTERN,
        )

        parsed = sre_parse.parse(pattern)
    except Exception:  # an unusual pattern: always run it
        return None

    def best(items) -> tuple[int, frozenset[str]] | None:
        chosen: tuple[int, frozenset[str]] | None = None
        run = ""

        def consider(found: tuple[int, frozenset[str]] | None) -> None:
            nonlocal chosen
            if found is not None and (chosen is None or found[0] > chosen[0]):
                chosen = found

        for op, av in items:
            if op is LITERAL:
                run += chr(av).lower()
                continue
            if run:
                consider((len(run), frozenset({run})))
                run = ""
            if op is SUBPATTERN:
                consider(best(av[-1].data))
            elif op is ATOMIC_GROUP:
                consider(best(av.data))
            elif op is BRANCH:
                branches = [best(b.data) for b in av[1]]
                if all(b is not None for b in branches):
                    consider((min(b[0] for b in branches), frozenset().union(*(b[1] for b in branches))))
            elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
                low, _high, sub = av
                if low >= 1:
                    consider(best(sub.data))
            # anything else (classes, anchors, look-arounds) ends a literal run
        if run:
            consider((len(run), frozenset({run})))
        return chosen

    found = best(parsed.data)
    if found is None or found[0] < 3:
        return None
    return found[1]


@lru_cache(maxsize=50_000)
def normalise(sentence: str) -> str:
    """Straight quotes, plain hyphens and single spaces, so patterns need not list typographic variants."""
    return _SPACES.sub(" ", sentence.translate(_QUOTES)).strip()
