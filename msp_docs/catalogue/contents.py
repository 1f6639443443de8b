"""What the catalogue holds once read: requirements, their evidence rules, baselines, and the Catalogue that answers questions."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from msp_docs.catalogue.concepts import _QUOTES, Concept, _Prefilter, literal_table, normalise
from msp_docs.errors import OptionError


#: How far each paragraph's text and number were checked; only the first counts as verified.
VERIFICATIONS = ("numbered-secondary", "text-corroborated", "seed-quote-only", "inferred")
#: Themes are our own grouping of the law, not statutory text.
THEME_VERIFICATION = "editorial"

COVERED, PARTIAL, MISSING = "covered", "partial", "missing"
#: What a verdict can rest on; confidence.yaml gives each its measured confidence.
BASES = ("marker", "covered-several", "covered-single", "partial-held-back", "partial-some", "partial-mention", "partial-cited", "missing-near", "missing-none")
#: A concept whose id ends so only names a subject ("protection", "the MCA"): never enough on its own.
NAME_SUFFIX = "-named"

_PARAGRAPH_ID = re.compile(r"^(2014-)?(\d{1,2}\.\d{1,3})(-\d{1,2}\.\d{1,3})?$")
_NUMBER = re.compile(r"^(\d{1,2})\.(\d{1,3})$")


# --------------------------------------------------------------------------- public data types


@dataclass(frozen=True)
class EvidenceRule:
    """What a document must show to cover a requirement: every ``must`` concept and ``need`` of ``some``.

    ``enough`` concepts each meet the ``need`` alone (the statutory wording of a principle where
    the rest of ``some`` must come in twos). ``hints`` are passing mentions: any of them makes a
    requirement partial, none of them covers it. ``host`` says how evidence counts that sits outside the safeguarding sections of a
    document about something else (a tenancy policy's own review date, a gas specification's
    complaints procedure): ``any`` as anywhere else, ``partial`` at most partial, ``none`` not at all.
    """

    must: tuple[str, ...]
    some: tuple[str, ...]
    need: int
    hints: tuple[str, ...] = ()
    host: str = "any"
    enough: tuple[str, ...] = ()
    #: in a contract, a specification or a contractor's code, the document's own duties: ``need``
    #: of these in one section cover the requirement (what a contractor must do is written there)
    in_contracts: tuple[str, ...] = ()
    #: ``partial``: a generic commitment ("we are committed to protecting people from abuse")
    #: is a passing mention of this requirement, however many of its words it has
    commitments: str = "substance"
    #: a covering section needs its evidence in at least this many sentences (a list of the
    #: types of abuse in one sentence names them; a section that describes them covers them)
    sentences: int = 1
    #: the name in one section (a list of the six principles) and the rest of the ``need`` in
    #: another section ("ask whether they agree") is the idea named and put into practice
    named_elsewhere: bool = False
    #: a covering section needs this many sentences that each name one or two of the concepts
    #: (describing them), unless one sentence sets out the whole list (0: not asked)
    described: int = 0

    @property
    def concepts(self) -> tuple[str, ...]:
        """Every concept the rule mentions, ``must`` first, hints last."""
        return self.must + self.some + self.enough + self.hints

    def assess(self, found: Collection[str], cited: bool = False) -> str:
        """``covered``, ``partial`` or ``missing`` for the concepts found (and whether the paragraph was cited).

        A concept whose id ends in ``-named`` is the bare name of a subject: it never covers on its own.
        """
        found = set(found)
        if (
            all(c in found for c in self.must)
            and (sum(c in found for c in self.some) >= self.need or any(c in found for c in self.enough))
            and any(not c.endswith(NAME_SUFFIX) for c in self.must + self.some + self.enough if c in found)
        ):
            return COVERED
        if cited or any(c in found for c in self.concepts):
            return PARTIAL
        return MISSING


@dataclass(frozen=True)
class Requirement:
    """One thing a document may have to cover: a guidance paragraph or a theme."""

    id: str
    kind: str  # "paragraph" or "theme"
    title: str
    summary: str
    evidence: EvidenceRule
    themes: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    edition: str | None = None
    editions: tuple[str, ...] = ()
    number: str | None = None
    verification: str = THEME_VERIFICATION
    verification_basis: str | None = None
    verification_sources: tuple[str, ...] = ()
    cited_in: tuple[str, ...] = ()
    corresponds_to: tuple[str, ...] = ()
    source_url: str | None = None
    note: str | None = None
    baselines: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        """True only when a source other than the seed ties this text to this paragraph number."""
        return self.verification == "numbered-secondary"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; paragraph-only and theme-only fields appear only on their kind."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind, "title": self.title}
        if self.kind == "paragraph":
            out.update(
                number=self.number,
                edition=self.edition,
                editions=list(self.editions),
                themes=list(self.themes),
                cited_in=list(self.cited_in),
                corresponds_to=list(self.corresponds_to),
                source_url=self.source_url,
                note=self.note,
                verification_basis=self.verification_basis,
                verification_sources=list(self.verification_sources),
            )
        else:
            out["paragraphs"] = list(self.paragraphs)
        out.update(
            verification=self.verification,
            verified=self.verified,
            summary=self.summary,
            evidence={
                "must": list(self.evidence.must),
                "some": list(self.evidence.some),
                "need": self.evidence.need,
                "enough": list(self.evidence.enough),
                "in_contracts": list(self.evidence.in_contracts),
                "commitments": self.evidence.commitments,
                "sentences": self.evidence.sentences,
                "named_elsewhere": self.evidence.named_elsewhere,
                "described": self.evidence.described,
                "hints": list(self.evidence.hints),
                "host": self.evidence.host,
            },
            baselines=list(self.baselines),
        )
        return out


@dataclass(frozen=True)
class Baseline:
    """The requirements one kind of document must cover."""

    kind: str
    title: str
    description: str
    requirements: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Catalogue:
    """Everything in the catalogue folder, validated and cross-checked; read-only."""

    folder: str
    requirements: Mapping[str, Requirement]
    paragraphs: Mapping[str, Requirement]
    themes: Mapping[str, Requirement]
    concepts: Mapping[str, Concept]
    baselines: Mapping[str, Baseline]
    checklist: Mapping[str, Any]
    law: Mapping[str, Any]
    msp_steps: Mapping[str, Any]
    numbering: Mapping[str, Any]
    negation_cues: tuple[str, ...]
    negation_regex: re.Pattern = field(repr=False)
    confidence_table: Mapping[str, Any] = field(default_factory=dict, repr=False)
    commitment_regex: re.Pattern | None = field(default=None, repr=False)

    @cached_property
    def hosted_concepts(self) -> frozenset[str]:
        """The concepts of the rules whose ``host`` is ``partial`` (what a document says of its own subject can count for them)."""
        return frozenset(c for r in self.requirements.values() if r.evidence.host == "partial" for c in r.evidence.concepts)

    def commitment(self, sentence: str) -> bool:
        """True when the sentence is a generic statement of commitment or belief (see concepts.yaml)."""
        return self._commitment(normalise(sentence).lower())

    @cached_property
    def _commitment(self):
        regex = self.commitment_regex
        return lru_cache(maxsize=20_000)(lambda text: bool(regex is not None and regex.search(text)))

    def confidence(self, basis: str, subject: str = "about", *, few_words: bool = False) -> tuple[float, bool]:
        """How often a verdict of this basis agrees with careful readers, and whether it is worth a human look first.

        ``subject`` is how far the document is about adult safeguarding (about, section, passing):
        some bases are less sure in a document about something else.
        """
        table = self.confidence_table
        entry = table["bases"][basis]
        value = entry.get("in", {}).get(subject, entry["confidence"])
        if few_words:
            value = min(value, table["few_words"])
        return value, value < table["review_below"]


    #: Each concept's patterns' required literals (``concepts.literal_table``), when already known
    #: (from the cache); otherwise worked out on first use.
    concept_literals: Mapping[str, list] | None = field(default=None, repr=False)

    def baseline(self, kind: str) -> tuple[str, ...]:
        """The requirement ids a document kind must cover; OptionError for an unknown kind."""
        try:
            return self.baselines[kind].requirements
        except KeyError:
            raise OptionError(f"'{kind}' is not a kind of document; choose from {', '.join(self.baselines)}") from None

    def resolve_citation(self, number: str, edition: str = "2017") -> tuple[str, ...]:
        """The requirement ids a printed paragraph number points to in an edition's numbering."""
        return self._resolve_cached(number, edition)

    @cached_property
    def _resolve_cached(self):
        return lru_cache(maxsize=4096)(self._resolve)

    def _resolve(self, number: str, edition: str) -> tuple[str, ...]:
        numbering = self._numbering_for(edition)
        text = _clean_citation(number)
        for slip in self.numbering["slips"]:
            if slip["numbering"] == numbering and text == slip["printed"]:
                text = slip["means"]
                break
        span = _span(text)
        if span is None:
            return ()
        in_scheme = [r for r in self.paragraphs.values() if numbering in r.editions]
        exact = [r.id for r in in_scheme if _span(r.number) == span]
        within = [r.id for r in in_scheme if r.id not in exact and _inside(_span(r.number), span)]
        around = [r.id for r in in_scheme if r.id not in exact and r.id not in within and _inside(span, _span(r.number))]
        found = exact + within + around
        if numbering == "2014":
            for rid in list(found):
                for other in self.paragraphs[rid].corresponds_to:
                    if other not in found:
                        found.append(other)
        return tuple(found)

    def to_json(self, baseline: str | None = None) -> list[dict[str, Any]]:
        """Requirements as plain data (all of them, or one baseline's), in catalogue order."""
        ids = self.baseline(baseline) if baseline is not None else tuple(self.requirements)
        return [self.requirements[rid].to_dict() for rid in ids]

    def negated(self, sentence: str) -> bool:
        """True when the sentence excludes its topic ("this policy does not cover ...")."""
        return self._negated(normalise(sentence).lower())

    def forget_sentences(self) -> None:
        """Empty the per-sentence caches (benchmarks measure a first reading, not a repeat)."""
        self._concepts_alone.cache_clear()
        self._matching.cache_clear()
        self._negated.cache_clear()
        self._commitment.cache_clear()
        normalise.cache_clear()

    @cached_property
    def _negated(self):
        return lru_cache(maxsize=20_000)(lambda text: bool(self.negation_regex.search(text)))

    def concepts_in(self, sentence: str, *, heading: str = "", context: Collection[str] = ()) -> frozenset[str]:
        """The concept ids one sentence shows, after false friends, required context and negation.

        ``heading`` is the heading of the section the sentence sits in: its false friends apply to
        the sentence too ("Fire prevention" over "our prevention approach is to ..."). ``context``
        holds concept ids shown around the sentence (by its paragraph or its section's headings),
        which count as its context: a "Safeguarding training" heading over "all staff complete it
        at induction".
        """
        return self.with_context(self.concepts_alone(sentence, heading=heading), context)

    def concepts_alone(self, sentence: str, *, heading: str = "", negation: bool = True) -> frozenset[str]:
        """The concept ids whose patterns match the sentence with no false friend near; context not yet applied.

        With ``negation=False`` an excluding sentence still shows what it excludes.
        """
        return self._concepts_alone(normalise(sentence).lower(), normalise(heading).lower() if heading else "", negation)

    @cached_property
    def _prefilter(self) -> "_Prefilter":
        return _Prefilter(self.concepts, self.concept_literals)

    def literal_table(self) -> dict[str, list]:
        """Each concept's patterns' required literals, as plain data (kept in the cache)."""
        return literal_table(self.concepts)

    @cached_property
    def _matching(self):
        # The same sentence under another heading needs only its false friends checked again.
        return lru_cache(maxsize=20_000)(self._prefilter.matching)

    @cached_property
    def _concepts_alone(self):
        # Documents repeat themselves (boilerplate, table labels): remember recent sentences.
        return lru_cache(maxsize=20_000)(self._match_concepts)

    def _match_concepts(self, text: str, near: str, negation: bool) -> frozenset[str]:
        if negation and self.negation_regex.search(text):
            return frozenset()
        alone = []
        concepts = self.concepts
        for cid in self._matching(text):
            concept = concepts[cid]
            unless = concept.unless_regex
            if unless is not None and (unless.search(text) or (near and unless.search(near))):
                continue
            alone.append(cid)
        return frozenset(alone)

    def with_context(self, alone: Collection[str], context: Collection[str] = ()) -> frozenset[str]:
        """Of the concepts matched alone, those whose required context is among them or in ``context``."""
        return frozenset(
            cid
            for cid in alone
            if not self.concepts[cid].context or any(other in alone or other in context for other in self.concepts[cid].context)
        )

    def assess(self, requirement_id: str, found: Collection[str], cited: bool = False) -> str:
        """Apply one requirement's evidence rule to the concepts found in a document."""
        return self.requirements[requirement_id].evidence.assess(found, cited)

    def _numbering_for(self, edition: str) -> str:
        schemes = [n["id"] for n in self.numbering["numberings"]]
        if edition in schemes:
            return edition
        for item in self.numbering["editions"]:
            if edition == item["id"]:
                if item["numbering"] is None:
                    raise OptionError(f"the paragraph numbering of the {item['label']} is not known; use one of {', '.join(schemes)}")
                return item["numbering"]
        known = schemes + [e["id"] for e in self.numbering["editions"] if e["id"] not in schemes]
        raise OptionError(f"'{edition}' is not an edition of the guidance; choose from {', '.join(known)}")


# --------------------------------------------------------------------------- paragraph numbers


def _clean_citation(number: str) -> str:
    text = str(number).strip().lower().translate(_QUOTES)
    text = re.sub(r"^(paragraphs?|paras?\.?|§+|cssg)\s*", "", text)
    text = re.sub(r"\s*(?:[\u2012\u2013\u2014-]|\bto\b)\s*", "-", text)
    return text.replace(" ", "").rstrip(".,;)")


def _point(text: str) -> tuple[int, int] | None:
    match = _NUMBER.match(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _span(text: str | None) -> tuple[tuple[int, int], tuple[int, int]] | None:
    if not text:
        return None
    first, _, last = text.partition("-")
    start = _point(first)
    end = _point(last) if last else start
    if start is None or end is None or end < start:
        return None
    return (start, end)


def _inside(inner, outer) -> bool:
    return inner is not None and outer is not None and outer[0] <= inner[0] and inner[1] <= outer[1]
