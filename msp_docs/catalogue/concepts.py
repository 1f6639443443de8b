"""The evidence vocabulary's concepts: what one is, how sentences are normalised, and a prefilter that finds candidates fast."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache


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

    @cached_property
    def pattern_sources(self) -> tuple[str, ...]:
        """Each pattern alone, as a whole-word expression over lower-cased text (``regex`` is them joined)."""
        return tuple(whole_word(lower_pattern(p)) for p in self.patterns)

    @cached_property
    def pattern_searchers(self) -> tuple[re.Pattern, ...]:
        """Each pattern with its end boundary only, for :func:`_found_whole_word`; compiled once."""
        return tuple(_compiled(rf"(?:{lower_pattern(p)})(?!\w)") for p in self.patterns)

    def matches_alone(self, sentence: str) -> bool:
        """True when a pattern matches the (normalised) sentence and no ``unless_near`` phrase does."""
        text = sentence.lower()
        if not self.regex.search(text):
            return False
        return not (self.unless_regex is not None and self.unless_regex.search(text))


class _Prefilter:
    """Which concepts match a text, running only the patterns that can: one scan for literal strings first.

    Each pattern of a concept is analysed for groups of literal strings such that every match
    contains one string of each group ("abus" in ``abus(e|ive)``; "senior" or "strategic", and
    "lead", in ``(senior|strategic) lead``). One Aho-Corasick scan of a sentence (pyahocorasick)
    finds which literals occur, and so which patterns are worth running; a concept
    matches when one of them does. A concept's expression is its patterns joined as alternatives
    between the same word boundaries, so running the candidate patterns one by one gives exactly
    the answer of running the whole expression: a pattern none of whose literals occurs cannot
    match. Patterns that give no literal of three or more characters are always run.
    """

    def __init__(self, concepts: Mapping[str, "Concept"], literals: Mapping[str, list] | None = None) -> None:
        import ahocorasick

        table = literals if literals is not None and set(literals) == set(concepts) else literal_table(concepts)
        self.concepts = concepts
        self.always: set[tuple[str, int]] = set()  # (concept, pattern) pairs always run
        #: (concept, pattern) -> its other groups of literals (as literal numbers), one of each needed too.
        self.rest: dict[tuple[str, int], tuple[frozenset[int], ...]] = {}
        number_of: dict[str, int] = {}
        first: dict[int, list[tuple[str, int]]] = {}
        for cid, per_pattern in table.items():
            if len(per_pattern) != len(concepts[cid].patterns):
                per_pattern = literal_table({cid: concepts[cid]})[cid]
            for index, found in enumerate(per_pattern):
                pair = (cid, index)
                if not found:
                    self.always.add(pair)
                    continue
                numbered = [frozenset(number_of.setdefault(lit, len(number_of)) for lit in group) for group in found]
                # A pattern is named by its strongest group (the longest literals, the rarest);
                # its other groups are confirmed only for the few patterns so named.
                for number in numbered[0]:
                    first.setdefault(number, []).append(pair)
                if len(numbered) > 1:
                    self.rest[pair] = tuple(numbered[1:])
        self.regexes: dict[tuple[str, int], re.Pattern] = {}  # each pattern compiled on first use
        #: The (concept, pattern) pairs each literal names, by the literal's number.
        self.hits: list[tuple[tuple[str, int], ...]] = [tuple(first.get(n, ())) for n in range(len(number_of))]
        self.automaton = None
        if number_of:
            self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for lit, number in number_of.items():
                self.automaton.add_word(lit, number)
            self.automaton.make_automaton()

    def _candidate_patterns(self, text: str) -> set[tuple[str, int]]:
        pairs = set(self.always)
        if self.automaton is None:
            return pairs
        hits, rest = self.hits, self.rest
        found = {number for _end, number in self.automaton.iter(text)}
        for number in found:
            for pair in hits[number]:
                if pair in pairs:
                    continue
                groups = rest.get(pair)
                if groups is None:
                    pairs.add(pair)
                elif len(groups) == 1:
                    if not groups[0].isdisjoint(found):
                        pairs.add(pair)
                elif all(not group.isdisjoint(found) for group in groups):
                    pairs.add(pair)
        return pairs

    def candidates(self, text: str) -> frozenset[str]:
        """Concept ids that may match ``text`` (already normalised and lower-cased)."""
        return frozenset(cid for cid, _index in self._candidate_patterns(text))

    def matching(self, text: str) -> list[str]:
        """Concept ids whose expression matches ``text``: the same as searching every concept's ``regex``."""
        matched: list[str] = []
        regexes = self.regexes
        for pair in self._candidate_patterns(text):
            if pair[0] in matched:
                continue
            regex = regexes.get(pair)
            if regex is None:
                regex = regexes[pair] = self.concepts[pair[0]].pattern_searchers[pair[1]]
            if _found_whole_word(regex, text):
                matched.append(pair[0])
        return matched


def literal_table(concepts: Mapping[str, "Concept"]) -> dict[str, list[list[list[str]] | None]]:
    """For each concept, each pattern's groups of required literals (plain lists), or None where it has none to offer."""
    table = {}
    for cid, concept in concepts.items():
        table[cid] = [None if found is None else [sorted(g) for g in found] for found in map(_required_literals, concept.pattern_sources)]
    return table


_WORD = re.compile(r"\w")


def _found_whole_word(regex: re.Pattern, text: str) -> bool:
    """Whether ``regex`` (a pattern followed by ``(?!\\w)``) matches where no word character precedes it.

    The same answer as searching ``(?<!\\w)`` before it, found much faster: with the look-behind
    first, Python's engine tries the pattern at every position; without it, it skips ahead to
    where the pattern's first characters are. A match preceded by a word character ("unsafe")
    sends the search on from the next position, so every start is still tried in order.
    """
    position = 0
    while True:
        match = regex.search(text, position)
        if match is None:
            return False
        start = match.start()
        if start == 0 or _WORD.match(text, start - 1) is None:
            return True
        position = start + 1


def whole_word(pattern: str) -> str:
    """A pattern (already for lower-cased text) matched as whole words only."""
    return rf"(?<!\w)(?:{pattern})(?!\w)"


def lower_pattern(pattern: str) -> str:
    """A pattern for lower-cased text: letters lower-cased, escapes such as ``\\S`` or ``\\W`` kept."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern[index] == "\\":
            out.append(pattern[index : index + 2])
            index += 2
        else:
            out.append(pattern[index].lower())
            index += 1
    return "".join(out)


#: Literals shorter than this occur in nearly every sentence, so they would filter nothing.
_SHORTEST_LITERAL = 3
#: How many groups of literals a pattern keeps (the most selective: the longest literals).
_MOST_GROUPS = 4


def _required_literals(pattern: str) -> list[frozenset[str]] | None:
    """Groups of strings such that every match of ``pattern`` contains one string of each group; None when unknown.

    ``(senior|strategic) manager for safeguarding`` gives ``[{"senior", "strategic"}, {" manager for
    safeguarding"}]``: a sentence can only match if it has "senior" or "strategic", and also the rest.
    """
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

    def strength(group: frozenset[str]) -> int:
        return min(map(len, group))

    def groups(items) -> list[frozenset[str]]:
        """Every match of the sequence ``items`` contains a string of each returned group."""
        found: list[frozenset[str]] = []
        run = ""
        for op, av in items:
            if op is LITERAL:
                run += chr(av).lower()
                continue
            if run:
                found.append(frozenset({run}))
                run = ""
            if op is SUBPATTERN:
                found.extend(groups(av[-1].data))
            elif op is ATOMIC_GROUP:
                found.extend(groups(av.data))
            elif op is BRANCH:
                # One group for the whole choice: the strongest group of each alternative, together.
                best = [max(groups(b.data), key=strength, default=None) for b in av[1]]
                if all(g is not None for g in best):
                    found.append(frozenset().union(*best))
            elif op in (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT):
                low, _high, sub = av
                if low >= 1:
                    found.extend(groups(sub.data))
            # anything else (classes, anchors, look-arounds) ends a literal run
        if run:
            found.append(frozenset({run}))
        # A string that contains another of its group adds nothing ("leader" beside "lead").
        found = [frozenset(x for x in g if not any(y != x and y in x for y in g)) for g in found]
        return [g for g in found if strength(g) >= _SHORTEST_LITERAL]

    found = sorted(set(groups(parsed.data)), key=lambda g: (-strength(g), sorted(g)))[:_MOST_GROUPS]
    return found or None


@lru_cache(maxsize=50_000)
def normalise(sentence: str) -> str:
    """Straight quotes, plain hyphens and single spaces, so patterns need not list typographic variants."""
    return _SPACES.sub(" ", sentence.translate(_QUOTES)).strip()
