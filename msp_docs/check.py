"""Check a document's coverage of the statutory paragraphs and themes, with quoted evidence.

Two layers decide each requirement:

* clause markers: in a document made by msp-docs every clause sits in a bookmark naming its
  id and a fingerprint of its text. An intact clause covers what the clause library says it
  covers; a clause whose text was edited is reported as modified and judged on its text.
* evidence rules: everywhere else the catalogue's rules (data files) decide, sentence by
  sentence: named concepts with synonyms, false friends and negations, plus citations of a
  paragraph number in either numbering.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from dataclasses import dataclass, field

from msp_docs import _ooxml
from msp_docs.catalogue import COVERED, MISSING, NAME_SUFFIX, PARTIAL, load_catalogue, normalise
from msp_docs.errors import OptionError
from msp_docs.extract import ExtractedDocument, extract
from msp_docs.passage import Passage

BASELINE_CHOICES = ("policy", "procedure", "contract", "self-assessment", "leaflet")
QUOTE_CHARS = 240
MAX_QUOTES = 3
#: Below this many words a document is too short to judge, and the report says so.
FEW_WORDS = 50

# A paragraph number, optionally with a range: 14.13, 14.55-14.61, 14.55 to 14.61.
_NUMBER = r"(?:1|4|14)\.\d{1,3}"
_CITATION = re.compile(
    rf"(?P<prefix>\b(?:paragraphs?|paras?\.?|¶|§|cssg)\s*)?(?<![\d.])(?P<first>{_NUMBER})(?:\s*(?:-|–|—|to)\s*(?P<last>{_NUMBER}))?(?![\d.]\d)",
    re.IGNORECASE,
)
_GUIDANCE = re.compile(r"statutory guidance|care and support statutory|\bcssg\b|care act (?:2014 )?(?:statutory )?guidance|\bchapter 14\b", re.IGNORECASE)
# A sentence ends at . ! ? or ; before a capital or a number, and at a bullet glyph that PDF text
# extraction leaves inside a paragraph ("... in accordance with: \uf0b7 the Gas Safety ...").
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[]?[A-Z0-9])|\s*[\u2022\uf0b7\u25aa\u25e6\u00b7]\s+")


@dataclass(frozen=True)
class Evidence:
    """A quotation that supports a verdict, where it is, and which layer found it."""

    quote: str
    location: str
    source: str  # "marker" or "text"

    def to_json(self) -> dict:
        """The JSON shape of the stable report format."""
        return {"quote": self.quote, "location": self.location, "source": self.source}


@dataclass(frozen=True)
class RequirementResult:
    """The verdict on one requirement in one document."""

    id: str
    kind: str
    title: str
    status: str
    required: bool
    evidence: tuple[Evidence, ...] = ()
    cited: bool = False
    weak: bool = False
    note: str | None = None
    #: what the verdict rests on (see confidence.yaml), how often such verdicts agree with careful
    #: readers, and whether it is worth a human look first
    basis: str = "marker"
    confidence: float = 1.0
    review: bool = False

    def to_json(self) -> dict:
        """The JSON shape of the stable report format (plus a few optional fields)."""
        out = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "required": self.required,
            "evidence": [e.to_json() for e in self.evidence],
            "cited": self.cited,
            "weak": self.weak,
            "basis": self.basis,
            "confidence": self.confidence,
            "review": self.review,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class ClauseState:
    """A clause marker found in the document: intact, or modified since msp-docs wrote it."""

    id: str
    status: str  # "intact" or "modified"
    location: str


@dataclass(frozen=True)
class CoverageReport:
    """Everything the checker found in one document."""

    path: str
    format: str
    title: str | None
    baseline: str
    baseline_source: str
    edition: str
    results: tuple[RequirementResult, ...]
    clauses: tuple[ClauseState, ...] = ()
    generated_by: str | None = None
    warnings: tuple[str, ...] = field(default=())
    #: how far the document is about adult safeguarding: ``about``, ``section`` (it is about
    #: something else and has a safeguarding section), ``passing`` (it mentions it in passing)
    subject: str = "about"

    @property
    def summary(self) -> dict[str, int]:
        """Counts over the required requirements: required, covered, partial, missing."""
        required = [r for r in self.results if r.required]
        return {
            "required": len(required),
            "covered": sum(r.status == COVERED for r in required),
            "partial": sum(r.status == PARTIAL for r in required),
            "missing": sum(r.status == MISSING for r in required),
        }

    @property
    def gaps(self) -> tuple[RequirementResult, ...]:
        """Required requirements that are not covered."""
        return tuple(r for r in self.results if r.required and r.status != COVERED)

    def result(self, requirement_id: str) -> RequirementResult:
        """The verdict on one requirement."""
        for r in self.results:
            if r.id == requirement_id:
                return r
        raise KeyError(requirement_id)

    def to_json(self) -> dict:
        """The JSON shape of one document in the stable report format."""
        return {
            "path": self.path,
            "title": self.title,
            "format": self.format,
            "baseline": self.baseline,
            "baseline_source": self.baseline_source,
            "edition": self.edition,
            "generated_by": self.generated_by,
            "summary": self.summary,
            "clauses": [{"id": c.id, "status": c.status, "location": c.location} for c in self.clauses],
            "warnings": list(self.warnings),
            "subject": self.subject,
            "requirements": [r.to_json() for r in self.results],
        }


def check_document(path: str | os.PathLike, *, baseline: str = "auto", edition: str = "2017") -> CoverageReport:
    """Read a document and check it against a baseline (``auto`` guesses the kind of document)."""
    return check_extracted(extract(path), baseline=baseline, edition=edition)


def check_extracted(document: ExtractedDocument, *, baseline: str = "auto", edition: str = "2017") -> CoverageReport:
    """Check already-extracted passages."""
    catalogue = load_catalogue()
    if baseline != "auto" and baseline not in BASELINE_CHOICES:
        raise OptionError(f"--baseline: '{baseline}' is not a kind of document; use auto or one of {', '.join(BASELINE_CHOICES)}")
    catalogue.resolve_citation("14.13", edition)  # raises OptionError for an unknown edition
    kind, source = _choose_baseline(document, baseline)
    required = set(catalogue.baseline(kind))

    marker_covers, clause_states, marked_passages = _marker_layer(document)
    layer = _text_layer(document, marked_passages, catalogue, edition)
    hits, citations = layer.hits, layer.citations

    results: list[RequirementResult] = []
    words = sum(len(p.text.split()) for p in document.passages)
    few = words < FEW_WORDS
    for rid, requirement in catalogue.requirements.items():
        if rid in marker_covers:
            results.append(
                RequirementResult(rid, requirement.kind, requirement.title, COVERED, rid in required, tuple(marker_covers[rid][:MAX_QUOTES]))
            )
            continue
        rule = requirement.evidence
        usable = {c: kept for c in rule.concepts if (kept := [h for h in hits.get(c, ()) if layer.usable(rule, h)])}
        found = set(usable)
        cited = requirement.kind == "paragraph" and rid in citations
        status = rule.assess(found, cited)
        own_unit = layer.unit_with(rule.in_contracts, rule.need) if kind == "contract" and rule.in_contracts and status != COVERED else None
        unit = None
        note = None
        held_back = False  # True when the rule is met but no section may cover it
        if own_unit is not None:
            # A contractor's own duties, written in its contract or code: the theme is covered there.
            status, unit = COVERED, own_unit
            for concept in rule.in_contracts:
                in_unit = [h for h in hits.get(concept, ()) if h.unit == own_unit]
                if in_unit:
                    usable.setdefault(concept, in_unit)
            found = set(usable)
        elif status == COVERED:
            unit = layer.covering_unit(rule)
            if unit is None:
                unit = layer.named_and_practised(rule, found)
            if unit is None and layer.scope != ABOUT and layer.covering_unit(rule, anywhere=True) is not None:
                status, held_back = PARTIAL, True
                note = "found only outside the document's safeguarding sections, where it is about the document's own subject"
            elif unit is None:
                status, held_back = PARTIAL, True
                note = "the pieces are there, but no section deals with it as a whole (or only headings, names or citations do)"
            elif layer.scope == PASSING:
                status, held_back = PARTIAL, True
                note = "the document deals with adult safeguarding only in passing"
            elif layer.other_subject:
                # A tenancy or ASB policy with a safeguarding section points to the safeguarding
                # arrangements; it is not where they are set out.
                status, held_back = PARTIAL, True
                note = "the document is a policy on another subject (its title says so), with a section on safeguarding"
        evidence = _pick_evidence(rule, usable, citations.get(rid, []) if cited else [], unit)
        weak = False
        if note:
            pass
        elif status == PARTIAL and cited and not found:
            note = "cited by number, but the text does not deal with it"
        elif status == PARTIAL:
            missing_must = [c for c in rule.must if c not in found]
            shown = [catalogue.concepts[c].label for c in missing_must][:3]
            note = "some of the substance is there" + (f"; not found: {', '.join(shown)}" if shown else "")
        elif status == COVERED:
            sentences = {h.key for c in found for h in hits[c] if h.unit == unit}
            weak = len(sentences) == 1
            if weak:
                note = "covered by a single sentence"
        basis = _basis(status, rule, usable, unit, cited, held_back=held_back, near=any(c in layer.near for c in rule.concepts))
        confidence, review = catalogue.confidence(basis, layer.scope, few_words=few)
        results.append(
            RequirementResult(rid, requirement.kind, requirement.title, status, rid in required, tuple(evidence), cited, weak, note, basis, confidence, review)
        )

    generated = document.properties.get("msp-docs.version")
    warnings = list(document.warnings)
    if few:
        warnings.append(
            f"the document holds only {words} word{'s' if words != 1 else ''} of text, too little to judge its coverage: "
            "a 'missing' here means nothing was found, not that the document was read and found wanting. "
            "Check that this is the whole document (a scanned page, a cover sheet or a wrong file gives this)"
        )
    if layer.scope == PASSING and not marker_covers:
        warnings.append(
            f"this document is not about adult safeguarding (it mentions it at most in passing), so it was checked against the {kind} "
            "baseline only for completeness: its gaps say little. Check that this is the document you meant to check"
        )
    modified = [c.id for c in clause_states if c.status == "modified"]
    if modified:
        warnings.append(f"{len(modified)} msp-docs clause(s) were edited after generation and were judged on their text: {', '.join(modified)}")
    return CoverageReport(
        path=document.path,
        format=document.format,
        title=document.title,
        baseline=kind,
        baseline_source=source,
        edition=edition,
        results=tuple(results),
        clauses=tuple(clause_states),
        generated_by=f"msp-docs {generated}" if generated else None,
        warnings=tuple(warnings),
        subject=layer.scope,
    )


def _basis(status: str, rule, usable: dict, unit: int | None, cited: bool, *, held_back: bool, near: bool) -> str:
    """What a verdict from the text rests on, in the words of confidence.yaml."""
    if status == COVERED:
        sentences = {h.key for hits in usable.values() for h in hits if h.unit == unit}
        return "covered-several" if len(sentences) > 1 else "covered-single"
    if status == PARTIAL:
        if held_back:
            return "partial-held-back"
        if not usable and cited:
            return "partial-cited"
        substance = [c for c, hits in usable.items() if c not in rule.hints and not c.endswith(NAME_SUFFIX) and any(h.strong for h in hits)]
        return "partial-some" if substance else "partial-mention"
    return "missing-near" if near else "missing-none"


# What a title says a document is. A code of conduct for contractors, operatives or suppliers is
# read as a contract: it is what the contractor undertakes.
_CONTRACT_TITLE = re.compile(
    r"\b(specification|contract|schedule|tender|terms and conditions|service level agreement|framework agreement|method statement"
    r"|employer'?s'? requirements|toolbox talk|(supplier|contractor)s?'? (safeguarding )?(requirements|standards)"
    r"|(operative|engineer|site team|tradesperson)s?'? code of (conduct|practice)|work(ing)? in (clients|customers)'? homes"
    r"|code of (conduct|practice) for (contractors|operatives|suppliers|subcontractors|tradespeople)"
    r"|(supplier|contractor|operative)s?'? code of (conduct|practice))\b"
)
_POLICY_TITLE = re.compile(r"\b(policy|statement|commitment|code of (conduct|practice)|strategy|charter)\b")
_PROCEDURE_TITLE = re.compile(r"\b(procedure|process|flowchart|what to do|how to (respond|report)|responding to|worried about|protocol|practice guidance)\b")


# A report on a contract, an audit or a self-assessment is a report, not the contract.
_REPORT_TITLE = re.compile(r"\b(report|self[- ]audit|letter|return|minutes)\b")


def _choose_baseline(document: ExtractedDocument, baseline: str) -> tuple[str, str]:
    if baseline != "auto":
        return baseline, "given"
    recorded = document.properties.get("msp-docs.baseline")
    if recorded in BASELINE_CHOICES:
        return recorded, "document properties (made by msp-docs)"
    title = (document.title or "").lower()
    heads = [p.text for p in document.passages[:40] if p.heading_level is not None][:5]
    if not heads:
        # A PDF or a plain text has no heading styles: its first lines stand in for them.
        heads = [p.text for p in document.passages[:6] if len(p.text) <= 120]
    # The title decides when it names a kind; otherwise the opening headings do.
    for text in (title, " ".join([title] + heads).lower()):
        if _CONTRACT_TITLE.search(text) and not _REPORT_TITLE.search(text):
            return "contract", "guessed from the title, which names a contract, a specification or a contractors' code"
        if _POLICY_TITLE.search(text) and text is title:
            return "policy", "guessed from the title, which names a policy"
        if _PROCEDURE_TITLE.search(text):
            return "procedure", "guessed from the title, which names a procedure"
        if re.search(r"\bself[- ]assessment|checklist\b", text):
            return "self-assessment", "guessed from the title, which names a self-assessment"
        if re.search(r"\bleaflet\b", text):
            return "leaflet", "guessed from the title, which names a leaflet"
    return "policy", "default (policy); use --baseline to choose"


def _marker_layer(document: ExtractedDocument):
    """Intact markers give exact coverage; edited ones are reported and left to the text layer."""
    from msp_docs.clauses import load_library

    groups: dict[str, list[Passage]] = defaultdict(list)
    for passage in document.passages:
        if passage.marker and passage.part in ("body", "table"):
            groups[passage.marker].append(passage)
    library = load_library()
    covers: dict[str, list[Evidence]] = defaultdict(list)
    states: list[ClauseState] = []
    marked: set[int] = set()
    for name, passages in groups.items():
        parsed = _ooxml.parse_marker(name)
        if parsed is None:
            continue
        clause_id, fingerprint = parsed
        clause = library.clauses.get(clause_id)
        location = passages[0].location
        if clause is None:
            continue  # a marker from another version of the library: judge the text
        if _ooxml.text_fingerprint(p.text for p in passages) != fingerprint:
            states.append(ClauseState(clause_id, "modified", location))
            continue
        states.append(ClauseState(clause_id, "intact", location))
        marked.update(p.index for p in passages)
        body = next((p for p in passages if p.heading_level is None), passages[0])
        quote = _trim(body.text)
        for rid in clause.covers:
            covers[rid].append(Evidence(f"[{clause.title}] {quote}", location, "marker"))
    return covers, states, marked


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]


@dataclass(frozen=True)
class _Hit:
    """One sentence showing a concept: where it is, its section, and whether it carries substance."""

    key: tuple[int, int]
    sentence: str
    passage: Passage
    unit: int
    strong: bool
    #: the sentence's own section or paragraph is about safeguarding (not only the document's title)
    scoped: bool = True
    #: the sentence is a generic statement of commitment or belief
    commitment: bool = False
    #: the sentence is about the document's own subject, outside its safeguarding sections (a
    #: code of conduct's own review cycle): it counts only for rules whose ``host`` is ``partial``
    hosted: bool = False


@dataclass
class _TextLayer:
    """What the text layer found: concept hits by section, citations, and whether the document is about adult safeguarding."""

    hits: dict[str, list[_Hit]]
    citations: dict[str, list[tuple[tuple[int, int], str, Passage]]]
    #: ``about`` (the document is about adult safeguarding), ``section`` (it is about something
    #: else and has a safeguarding section) or ``passing`` (it mentions safeguarding in passing)
    scope: str
    #: concepts whose words appear somewhere, whether or not they counted (context, exclusions)
    near: frozenset[str] = frozenset()
    #: the title names a policy or procedure on another subject ("Tenancy Sustainment Policy")
    other_subject: bool = False

    def usable(self, rule, hit: "_Hit") -> bool:
        """Whether a hit counts for a rule at all: see ``EvidenceRule.host``."""
        if hit.hosted:
            return rule.host == "partial"
        if self.scope == ABOUT or hit.scoped or rule.host == "any":
            return True
        return rule.host == "partial" and self.scope == SECTION

    def unit_with(self, concepts, need: int) -> int | None:
        """The first safeguarding section in which ``need`` of the concepts show with substance."""
        units: dict[int, set[str]] = defaultdict(set)
        for concept in concepts:
            for hit in self.hits.get(concept, ()):
                if hit.strong and (self.scope == ABOUT or hit.scoped):
                    units[hit.unit].add(concept)
        return next((u for u in sorted(units) if len(units[u]) >= max(need, 1)), None)

    def named_and_practised(self, rule, found) -> int | None:
        """A section that puts into practice what the document names elsewhere ("the six principles:
        empowerment, ..." in one section, "ask whether they agree" in another).

        Where a rule asks for a named idea and more, the name in a list plus one section that
        carries the rest of its substance is the idea named and turned into practice.
        """
        names = [c for c in found if c.endswith(NAME_SUFFIX)]
        if not rule.named_elsewhere or not names or rule.need < 2:
            return None
        rest = [c for c in rule.concepts if not c.endswith(NAME_SUFFIX) and c not in rule.hints]
        return self.unit_with(rest, rule.need - len(names))

    def covering_unit(self, rule, anywhere: bool = False) -> int | None:
        """The first section whose own evidence meets the rule, with substance beyond names and headings.

        In a document about something else, only evidence in its safeguarding sections (or in
        sentences that are themselves about safeguarding) can cover a requirement.
        """
        names_count = rule.need >= LIST_RULE_NEED
        units: dict[int, dict[str, bool]] = defaultdict(dict)
        sentences: dict[int, set] = defaultdict(set)
        named_in: dict[tuple, set] = defaultdict(set)  # sentence -> the rule's concepts it names
        hinted: set = set()  # sentences with one of the rule's hints (signs of abuse described)
        for concept in rule.concepts:
            for hit in self.hits.get(concept, ()):
                if not anywhere and self.scope != ABOUT and not hit.scoped:
                    continue
                sentences[hit.unit].add(hit.key)
                if concept not in rule.hints:
                    named_in[hit.key].add(concept)
                else:
                    hinted.add(hit.key)
                seen = units[hit.unit]
                strong = (hit.strong or names_count) and not (hit.commitment and rule.commitments == "partial")
                seen[concept] = seen.get(concept, False) or strong
        for unit in sorted(units):
            seen = units[unit]
            if rule.described:
                # A list in one sentence names its items; sentences that each take one or two of
                # them, or describe the signs, describe them; the whole statutory list sets them out.
                described = sum(1 <= len(named_in[key]) <= 2 or key in hinted for key in sentences[unit])
                full_list = len(set().union(*(named_in[key] for key in sentences[unit]))) >= FULL_LIST
                if described < rule.described and not full_list:
                    continue
            elif len(sentences[unit]) < rule.sentences:
                continue
            if any(strong and not concept.endswith(NAME_SUFFIX) for concept, strong in seen.items()) and rule.assess(seen) == COVERED:
                return unit
        return None


# A requirement that asks for this many of its concepts is a list (the types of abuse, the six
# principles): there, naming the items is the substance, so names in a table or list count.
LIST_RULE_NEED = 5
# A list this long in one sentence is the statutory list set out, not a few names in passing.
FULL_LIST = 8
# A document with fewer paragraphs about safeguarding than this is not about it, whatever their
# share: a privacy notice's one line "(safeguarding)" is a passing mention.
RELEVANT_SENTENCES = 2
# A section under a plain heading is a safeguarding section when this many of its paragraphs
# (and at least half) are about safeguarding.
PLAIN_SECTION = 3
RELEVANCE_CONCEPT = "adult-safeguarding-named"
TOPIC_CONCEPT = "safeguarding-topic"
ABOUT, SECTION, PASSING = "about", "section", "passing"
#: The parts of a document that repeat on every page.
FURNITURE = frozenset({"header", "footer"})
# A document whose title or opening headings name safeguarding is about it, and so is one in which
# this share of the paragraphs speak of it (a procedure called "If you are worried about a
# tenant"); a tenancy policy with one safeguarding paragraph is not.
ABOUT_HEADINGS = 3
ABOUT_SHARE = 0.15

# In such a document a passage counts only if it is about adults at risk, or about safeguarding
# with no sign that it means children (a children's policy uses every safeguarding word).
ADULT_SENSE = frozenset({RELEVANCE_CONCEPT, "adult-at-risk"})
# A kind of abuse named in plain words ("someone taking your money", "being hit, hurt or
# threatened") makes a passage about safeguarding as much as the word abuse does.
KINDS_OF_ABUSE = frozenset({
    "abuse-physical", "abuse-sexual", "abuse-psychological", "abuse-financial", "abuse-domestic",
    "abuse-discriminatory", "abuse-organisational", "abuse-neglect-omission", "self-neglect", "modern-slavery",
    "cuckooing", "exploitation", "coercive-control",
})
# (A title naming one kind, "Hate Crime Procedure", is about that subject: titles are read in
# the narrower sense.)
TITLE_SENSE = frozenset({RELEVANCE_CONCEPT, "abuse-or-neglect", "adult-at-risk", "safeguarding-topic"})
SAFEGUARDING_SENSE = TITLE_SENSE | KINDS_OF_ABUSE
# What makes a section or a paragraph one about safeguarding, for telling what a document is
# about: its words, or an instruction about being worried for someone and what to do.
SCOPE_SENSE = SAFEGUARDING_SENSE | {"worried-about-someone", "warning-signs"}
# What makes one passage count in a document about something else: safeguarding words, or being
# worried about a resident and saying what to do ("anything that concerns them about a resident's
# welfare ... mention it to the caretaker").
WORRY_SENSE = SAFEGUARDING_SENSE | {"worried-about-someone"}

# A title naming a policy (or the like) on a subject: the kind must follow a word of its subject,
# so "About this policy" names none. Contracts and specifications are left out, since a
# contractor's safeguarding duties are what such a document is read for.
_KIND_OF_DOCUMENT = re.compile(r"\b(?!(?:this|the|our|its|their|a|an|about|of|and)\b)[a-z][\w'-]*\s+(policy|procedure|protocol|strategy|plan|handbook|charter)\b", re.IGNORECASE)

# Passages that are no evidence of anything: a table of contents, a revision history, a web
# site's menu. (A document-control row stays: its "next review" is a passing mention.)
_CONTENTS_HEADING = re.compile(r"^(table of )?contents$|^contents page$", re.IGNORECASE)
_CONTENTS_ENTRY = re.compile(r"(\.{4,}|\t|\s{3,})\s*\d{1,3}$")
_REVISION_HEAD = re.compile(
    r"^(version( no\.?| number)?|issue|revision|rev\.?|v\.?|date|author|owner|changes?|summary of changes|amendments?|description( of changes?)?|change summary|reason for change|changes made)$",
    re.IGNORECASE,
)
_REVISION_ROW = re.compile(
    r"^(v(ersion)?\s*)?\d{1,2}\.\d{1,2}\s+(\d{1,2}(st|nd|rd|th)?\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4}\b",
    re.IGNORECASE,
)


def _is_menu(text: str) -> bool:
    """A web site's menu or footer copied as text: several short items between bars."""
    items = [item.strip() for item in text.split("|")]
    return len(items) >= 4 and all(len(item.split()) <= 4 for item in items)


def _revision_tables(passages) -> set[int]:
    """The Word tables whose header row names a version history (Version | Date | Summary of changes)."""
    first: dict[int, list[str]] = {}
    for passage in passages:
        if passage.table is not None and len(first.setdefault(passage.table, [])) < 2:
            first[passage.table].append(passage.text.strip())
    # Its header row names the columns: "Version", "Date" (a two-column document-control table
    # starts "Version", "2.0").
    return {table for table, cells in first.items() if len(cells) == 2 and all(_REVISION_HEAD.match(cell) for cell in cells)}
CHILD_CONCEPT = "child-sense"

_LABEL_WORDS = 6
# "Has regard to paragraph 14.13", "in accordance with section 44 of the Care Act": the sentence
# hands its substance to the reference, so all of it is weak evidence. "As defined in paragraph
# 14.7" is only a pointer inside a sentence that may say something: only that clause is weak.
_DEFERS = re.compile(r"\b(?:ha(?:ve|s|ving) regard to|in accordance with|in line with|compl(?:y|ies|ying) with|(?:please )?refer to)\b", re.IGNORECASE)
_POINTS = re.compile(r"\b(?:as|is|are) (?:defined|set out|described|required|explained|listed) (?:in|by|under)\b[^,;()]*|\(?see [^,;()]*", re.IGNORECASE)
# "Training requirements are set out in the Adult Safeguarding Policy", "contract managers should
# refer to those contracts": a cross-reference to another document is weak evidence as a whole.
_CROSS_REFERENCE = re.compile(
    r"\b(?:(?:is|are) (?:set out|described|explained|covered|detailed|dealt with|included) in|refers? to|see|use) "
    r"(?:the |our |their |its |a |each |individual |separate |those |these )*(?!this\b)[\w'’ -]{0,60}?"
    r"\b(?:policy|policies|procedures?|contracts?|handbook|guidance|protocols?|strategy|agreements?)\b",
    re.IGNORECASE,
)
_REFERENCE = re.compile(
    r"\bparagraphs?\s*\d|\bparas?\.?\s*\d|(?<![\d.])1?4\.\d{1,3}\b|\bchapter 14\b"
    r"|\b(?:sections?|s\.?)\s?\d+[a-z]?(?:\(\d+\))?\s+of\s+(?:the\s+)?[\w ]{0,60}?\bact\b",
    re.IGNORECASE,
)


def _is_heading(passage: Passage, infer: bool) -> bool:
    if passage.heading_level is not None:
        return True
    if not infer or passage.part not in ("body",):
        return False
    text = passage.text.strip()
    if len(text) > 80 or len(text.split()) > 10 or re.search(r"[.,;:!?]$", text):
        return False
    # "3. Training", "7.2 Principles", "Part 2: Arrangements" or a capitalised phrase; not a table
    # cell such as "60 days before anniversary" or "1 Appointment letter sent".
    return bool(re.match(r"^(?:\d+(?:\.\d+)+\.?\s+|\d+\.\s+|(?i:part|section|appendix) [\dA-Z]+:?\s+)?[A-Z]", text))


def _is_name(text: str) -> bool:
    """Short phrases with no sentence in them: a table label, a document title, a list of titles."""
    text = text.strip()
    if re.search(r"\d|[.!?:]$", text):
        return False
    return all(len(part.split()) <= _LABEL_WORDS for part in re.split(r"[;,]", text))


# Words one of which every cross-reference names (a cheap test before the expression).
_CROSS_REFERENCE_WORDS = ("polic", "procedure", "contract", "handbook", "guidance", "protocol", "strateg", "agreement")


def _without_deferred(sentence: str) -> str | None:
    """The sentence without what it only defers to (``""`` when it defers as a whole), or None when it defers to nothing."""
    lowered = sentence.lower()
    if any(word in lowered for word in _CROSS_REFERENCE_WORDS) and _CROSS_REFERENCE.search(sentence):
        return ""
    if not any(ch.isdigit() for ch in sentence) or not _REFERENCE.search(sentence):
        return None  # every reference has a number in it
    if _DEFERS.search(sentence):
        return ""
    spans = [m.span() for m in _POINTS.finditer(sentence) if _REFERENCE.search(m.group())]
    if not spans:
        return None
    out = sentence
    for start, end in reversed(spans):
        out = out[:start] + " " + out[end:]
    return out


def _text_layer(document: ExtractedDocument, marked: set[int], catalogue, edition: str) -> _TextLayer:
    """Concept hits and citations in the passages that no intact clause marker covers.

    The document is read in sections (a heading and what follows it, down to the next heading);
    a requirement is covered only where one section shows enough of it. Headings lend their
    concepts to their section as context and their false friends to its sentences. Headings,
    short names (table labels, lists of document titles) and what a sentence only defers to
    ("has regard to paragraph 14.13") count as weak evidence: enough for partial, not for covered.
    """
    hits: dict[str, list[_Hit]] = defaultdict(list)
    citations: dict[str, list[tuple[tuple[int, int], str, Passage]]] = defaultdict(list)
    passages = document.passages
    free = [p for p in passages if p.index not in marked]
    mentions_guidance = any(_GUIDANCE.search(p.text) for p in free)
    infer = not any(p.heading_level is not None for p in passages)
    heading_concepts: dict[str, frozenset[str]] = {}

    def concepts_of_heading(text: str) -> frozenset[str]:
        if text not in heading_concepts:
            heading_concepts[text] = catalogue.concepts_in(text)
        return heading_concepts[text]

    # Pass 1: sections, and the concepts each sentence shows before context is applied.
    root = set(concepts_of_heading(document.title)) if document.title else set()
    leading = True
    unit = 0
    inferred_path: tuple[str, ...] = ()
    read: list[tuple[Passage, int, bool, tuple[str, ...], list[str], list[frozenset[str]]]] = []
    in_section: dict[int, set[str]] = defaultdict(set)
    excluding: set[int] = set()  # sections whose text excludes something
    excluded: set[str] = set()  # what the document excludes ("this policy does not apply to contractors")
    unit_heads: dict[int, set[str]] = {0: set()}  # the concepts of each section's headings
    first_headings: list[frozenset[str]] = []
    revision_tables = _revision_tables(passages)
    row_concepts: dict[int, set[str]] = defaultdict(set)  # a table row is one line of thought: "Safeguarding Lead | Jo Bloggs, 01632 960 000"
    in_contents = False
    for passage in passages:
        text = passage.text.strip()
        if _CONTENTS_HEADING.match(text):
            in_contents = True
            continue
        if in_contents:
            # A contents list runs to the next real heading, or (without heading styles) to the
            # first line that is not heading-like.
            in_contents = passage.heading_level is None and (not infer or _is_heading(passage, infer) or bool(_CONTENTS_ENTRY.search(text)))
            if in_contents:
                continue
        if passage.table in revision_tables or _REVISION_ROW.match(text) or _is_menu(text) or _CONTENTS_ENTRY.search(text):
            continue
        heading = _is_heading(passage, infer)
        if heading:
            unit += 1
            heads = set(concepts_of_heading(passage.text))
            for title in (() if infer else passage.heading_path):
                heads |= concepts_of_heading(title)
            unit_heads[unit] = heads
            if len(first_headings) < ABOUT_HEADINGS:
                first_headings.append(concepts_of_heading(passage.text))
            if leading:
                # The title and the headings above the first paragraph head the whole document:
                # "Adult Safeguarding Policy" is context everywhere in it.
                root |= concepts_of_heading(passage.text)
        elif passage.part in ("body", "table") and passage.text != document.title:
            leading = False
        if infer:
            path = inferred_path
            if heading:
                inferred_path = (passage.text,)
        else:
            path = passage.heading_path
        if passage.index in marked:
            continue
        nearest = path[-1] if path else ""
        sentences = _sentences(passage.text)
        alone = [catalogue.concepts_alone(sentence, heading=nearest) for sentence in sentences]
        read.append((passage, unit, heading, path, sentences, alone))
        if passage.row is not None:
            row_concepts[passage.row].update(*alone)
        if not heading:
            in_section[unit].update(*alone)
            for sentence in sentences:
                if catalogue.negated(sentence):
                    excluding.add(unit)
                    excluded.update(catalogue.concepts_alone(sentence, heading=nearest, negation=False))

    # What the document is about: its title and opening headings, or most of its sections.
    def safeguarding_sense(concepts, sense=SAFEGUARDING_SENSE) -> bool:
        return bool(concepts & ADULT_SENSE) or (bool(concepts & sense) and CHILD_CONCEPT not in concepts | root)

    # A section headed "If you are worried about a resident" is a safeguarding section too.
    scoped_units = {u for u, heads in unit_heads.items() if u and safeguarding_sense(heads, SCOPE_SENSE)}
    paragraphs: list[set[str]] = []
    # So is a section under a plainer heading ("Keeping residents safe") whose paragraphs are
    # mostly about safeguarding.
    by_unit: dict[int, list[bool]] = defaultdict(list)
    for p, u, heading, _path, _s, alone in read:
        if not heading and p.part not in FURNITURE:
            paragraphs.append(set().union(*alone))
            if u:
                by_unit[u].append(safeguarding_sense(paragraphs[-1], SCOPE_SENSE))
    scoped_units |= {u for u, marks in by_unit.items() if sum(marks) >= max(PLAIN_SECTION, len(marks) / 2)}
    # A title that names a kind of document and another subject ("Anti-social Behaviour Policy",
    # "Tenancy Fraud Policy") says what the document is about, however often it speaks of abuse.
    other_subject = bool(document.title and _KIND_OF_DOCUMENT.search(document.title)) and not safeguarding_sense(root, TITLE_SENSE | {"worried-about-someone"})
    if safeguarding_sense(root, TITLE_SENSE) or any(safeguarding_sense(set(h), TITLE_SENSE) for h in first_headings):
        scope = ABOUT
    elif not other_subject and paragraphs and sum(safeguarding_sense(cs, SCOPE_SENSE) for cs in paragraphs) >= max(RELEVANT_SENTENCES, ABOUT_SHARE * len(paragraphs)):
        scope = ABOUT
    else:
        scope = SECTION if scoped_units else PASSING
    relevant = scope == ABOUT
    if relevant:
        # A document about adult safeguarding is read in that sense throughout, as if its title said so.
        root.add(TOPIC_CONCEPT)

    # Pass 2: context, weak or strong evidence, citations.
    hosted_concepts = catalogue.hosted_concepts
    for passage, unit, heading, path, sentences, alone in read:
        context = set(root)
        for title in path:
            context |= concepts_of_heading(title)
        nearest = path[-1] if path else ""
        # A running header or footer, like a heading or a name, points at a subject; it is not substance.
        weak_passage = heading or _is_name(passage.text) or passage.part in FURNITURE
        # A paragraph (list item, table cell) is one thought: any of its sentences gives context to
        # the others. A heading's words take their sense from the section it heads.
        around = context.union(*alone)
        if passage.row is not None:
            around |= row_concepts[passage.row]
        if heading:
            around |= in_section[unit]
        # In a document about something else, only a passage about adult safeguarding counts.
        counts = relevant or unit in scoped_units or bool(around & ADULT_SENSE) or (bool(around & WORRY_SENSE) and CHILD_CONCEPT not in around)
        # Evidence in a section headed as safeguarding, or a paragraph that is itself about it.
        # (A list of document titles that names the safeguarding policy is not about safeguarding.)
        scoped = relevant or unit in scoped_units or safeguarding_sense(
            set().union(*(cs for sentence, cs in zip(sentences, alone) if not _is_name(sentence)))
        )
        if heading and unit in excluding:
            counts = False  # "Advocacy" over "We do not provide advocacy" names what is excluded
        # A document with a safeguarding section says things about its own subject elsewhere (its
        # review cycle, its complaints route): kept apart, for the rules that count them as partial.
        hosted = not counts and scope == SECTION and not weak_passage
        for number, sentence in enumerate(sentences):
            key = (passage.index, number)
            if counts or hosted:
                shown = catalogue.with_context(alone[number], around)
                if hosted:
                    shown &= hosted_concepts
            else:
                shown = frozenset()
            committing = bool(shown) and catalogue.commitment(sentence)
            # A question ("How do subcontractors meet your requirements?") asks; it does not say.
            asking = sentence.rstrip().endswith("?")
            if shown:
                strong = frozenset() if weak_passage or asking else shown
                if not weak_passage and not asking:
                    rest = _without_deferred(sentence)
                    if rest is not None:
                        strong = catalogue.concepts_in(rest, heading=nearest, context=around) if rest else frozenset()
                for concept in shown:
                    if concept in strong or concept not in excluded:  # a name is no evidence for what the document excludes
                        hits[concept].append(_Hit(key, sentence, passage, unit, concept in strong, scoped, committing, hosted))
            for rid in _citations_in(sentence, passage, number, catalogue, edition, mentions_guidance):
                citations[rid].append((key, sentence, passage))
    near = frozenset().union(*(cs for *_rest, alone in read for cs in alone)) | frozenset(excluded)
    return _TextLayer(hits, citations, scope, near, other_subject and scope != ABOUT)


def _citations_in(sentence: str, passage: Passage, sentence_number: int, catalogue, edition: str, mentions_guidance: bool) -> set[str]:
    found: set[str] = set()
    if not re.search(r"\d\.\d", sentence):
        return found
    if catalogue.negated(sentence):
        return found
    sentence_has_guidance = bool(_GUIDANCE.search(sentence))
    for match in _CITATION.finditer(sentence):
        first = match.group("first")
        prefixed = bool(match.group("prefix"))
        at_start = sentence_number == 0 and match.start() <= 1
        if first.startswith(("1.", "4.")) and not (prefixed or sentence_has_guidance):
            continue  # "1.1" is far more often a clause number than a citation
        if not (prefixed or sentence_has_guidance or (mentions_guidance and not at_start)):
            continue
        if at_start and not prefixed:
            continue  # a typed clause number such as "14.13 The Contractor shall ..."
        text = first if not match.group("last") else f"{first}-{match.group('last')}"
        found.update(catalogue.resolve_citation(text, edition))
    return found


def _pick_evidence(rule, hits, citation_hits, unit=None) -> list[Evidence]:
    """Up to three quotes: sentences of the covering section first, those showing most of the rule's concepts, then citations."""
    by_sentence: dict[tuple[int, int], tuple[set[str], str, Passage, bool]] = {}
    for concept in dict.fromkeys(rule.concepts + tuple(hits)):
        for hit in hits.get(concept, ()):
            entry = by_sentence.setdefault(hit.key, (set(), hit.sentence, hit.passage, hit.unit == unit))
            entry[0].add(concept)
    ranked = sorted(by_sentence.items(), key=lambda item: (not item[1][3], -len(item[1][0]), item[0]))
    out = [Evidence(_trim(sentence), passage.location, "text") for _key, (_c, sentence, passage, _u) in ranked[:MAX_QUOTES]]
    seen = {key for key, _ in ranked[:MAX_QUOTES]}
    for key, sentence, passage in citation_hits:
        if len(out) >= MAX_QUOTES:
            break
        if key not in seen:
            out.append(Evidence(_trim(sentence), passage.location, "text"))
            seen.add(key)
    return out


def _trim(text: str) -> str:
    text = normalise(text)
    if len(text) <= QUOTE_CHARS:
        return text
    cut = text[: QUOTE_CHARS - 1]
    if " " in cut[QUOTE_CHARS // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut + "…"


@dataclass(frozen=True)
class CheckOutcome:
    """The result of checking one file in a batch: a report, or the error that stopped it."""

    path: str
    report: CoverageReport | None = None
    error: Exception | None = None


def _check_one(args: tuple) -> CheckOutcome:
    path, baseline, edition = args
    from msp_docs.errors import MspDocsError

    try:
        return CheckOutcome(path, check_document(path, baseline=baseline, edition=edition))
    except MspDocsError as err:
        return CheckOutcome(path, error=err)


def check_many(paths: list[str], *, baseline: str = "auto", edition: str = "2017", jobs: int = 1, on_result=None) -> list[CheckOutcome]:
    """Check many documents, in ``jobs`` worker processes; a bad file does not stop the others.

    Outcomes come back in the order of ``paths``; ``on_result`` is called as each one finishes.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed

    load_catalogue()  # validate options and warm the caches before any worker starts
    if baseline != "auto" and baseline not in BASELINE_CHOICES:
        raise OptionError(f"--baseline: '{baseline}' is not a kind of document; use auto or one of {', '.join(BASELINE_CHOICES)}")
    load_catalogue().resolve_citation("14.13", edition)
    results: dict[int, CheckOutcome] = {}
    if jobs <= 1 or len(paths) <= 1:
        for index, path in enumerate(paths):
            results[index] = _check_one((path, baseline, edition))
            if on_result:
                on_result(results[index])
    else:
        import multiprocessing

        from msp_docs.clauses import load_library

        load_library()
        context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=context) as pool:
            futures = {pool.submit(_check_one, (path, baseline, edition)): index for index, path in enumerate(paths)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_result:
                    on_result(results[futures[future]])
    return [results[i] for i in range(len(paths))]
