"""The statutory catalogue: paragraphs, themes, baselines, evidence vocabulary and law, read from data files.

The domain knowledge lives in ``msp_docs/data/catalogue/*.yaml`` so that a safeguarding lead can
review it without reading Python. This module reads those files, validates each one against
``schema.yaml`` (Cerberus), cross-checks every id they use, and returns one frozen
:class:`Catalogue`. A broken catalogue is a defect in msp-docs, so problems are raised as
:class:`~msp_docs.errors.CatalogueError` listing every problem at once.

It also holds the reference meaning of the evidence vocabulary (``concepts.yaml``): which
concepts a sentence shows (:meth:`Catalogue.concepts_in`) and whether a rule is met
(:meth:`EvidenceRule.assess`), so the coverage checker and the tests read the data the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from msp_docs.errors import CatalogueError, OptionError, Problem

#: The data files, in the order they are read and reported.
DATA_FILES = (
    "paragraphs.yaml",
    "themes.yaml",
    "baselines.yaml",
    "concepts.yaml",
    "law.yaml",
    "msp-steps.yaml",
    "numbering.yaml",
    "checklist.yaml",
)
SCHEMA_FILE = "schema.yaml"

#: How far each paragraph's text and number were checked; only the first counts as verified.
VERIFICATIONS = ("numbered-secondary", "text-corroborated", "seed-quote-only", "inferred")
#: Themes are our own grouping of the law, not statutory text.
THEME_VERIFICATION = "editorial"

COVERED, PARTIAL, MISSING = "covered", "partial", "missing"
#: A concept whose id ends so only names a subject ("protection", "the MCA"): never enough on its own.
NAME_SUFFIX = "-named"

_PARAGRAPH_ID = re.compile(r"^(2014-)?(\d{1,2}\.\d{1,3})(-\d{1,2}\.\d{1,3})?$")
_NUMBER = re.compile(r"^(\d{1,2})\.(\d{1,3})$")
_SPACES = re.compile(r"\s+")
_NOTHING = r"(?!x)x"  # stands in for a broken pattern, which is reported separately


@lru_cache(maxsize=None)
def _compiled(source: str) -> re.Pattern:
    return re.compile(source)
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2010": "-", "\u2011": "-", "\u00a0": " "})


# --------------------------------------------------------------------------- public data types


@dataclass(frozen=True)
class EvidenceRule:
    """What a document must show to cover a requirement: every ``must`` concept and ``need`` of ``some``."""

    must: tuple[str, ...]
    some: tuple[str, ...]
    need: int

    @property
    def concepts(self) -> tuple[str, ...]:
        """Every concept the rule mentions, ``must`` first."""
        return self.must + self.some

    def assess(self, found: Collection[str], cited: bool = False) -> str:
        """``covered``, ``partial`` or ``missing`` for the concepts found (and whether the paragraph was cited).

        A concept whose id ends in ``-named`` is the bare name of a subject: it never covers on its own.
        """
        found = set(found)
        if (
            all(c in found for c in self.must)
            and sum(c in found for c in self.some) >= self.need
            and any(not c.endswith(NAME_SUFFIX) for c in self.concepts if c in found)
        ):
            return COVERED
        if cited or any(c in found for c in self.concepts):
            return PARTIAL
        return MISSING


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
            evidence={"must": list(self.evidence.must), "some": list(self.evidence.some), "need": self.evidence.need},
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
        self._negated.cache_clear()
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
        return _Prefilter(self.concepts)

    @cached_property
    def _concepts_alone(self):
        # Documents repeat themselves (boilerplate, table labels): remember recent sentences.
        return lru_cache(maxsize=20_000)(self._match_concepts)

    def _match_concepts(self, text: str, near: str, negation: bool) -> frozenset[str]:
        if negation and self.negation_regex.search(text):
            return frozenset()
        alone = []
        concepts = self.concepts
        for cid in self._prefilter.candidates(text):
            concept = concepts[cid]
            if concept.regex.search(text) is None:
                continue
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
    texts, data, problems = files.read_all()
    if problems:
        raise CatalogueError(_headline(problems, "cannot be read"), problems=problems)
    # The shipped catalogue is validated in full once per version of its files; the result is
    # remembered by a hash of the files, so an edited file is always validated again.
    marker = _validated_marker(texts) if folder is None else None
    trusted = marker is not None and marker.exists()
    if not trusted:
        problems = _schema_problems(files, texts, data)
        if problems:
            raise CatalogueError(_headline(problems, "does not match its schema"), problems=problems)
    checker = _CrossCheck(files, texts, data, trusted=trusted)
    catalogue = checker.build()
    if checker.problems:
        raise CatalogueError(_headline(checker.problems, "is inconsistent"), problems=checker.problems)
    if marker is not None and not trusted:
        _remember_validated(marker)
    return catalogue


def _validated_marker(texts: dict[str, str]) -> Path | None:
    """Where a successful full validation of exactly these files is remembered (None: never)."""
    if os.environ.get("MSP_DOCS_NO_CACHE") == "1":
        return None
    import hashlib

    from msp_docs import __version__

    digest = hashlib.sha256(__version__.encode())
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode("utf-8") + b"\0")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "msp-docs"
    return base / f"catalogue-{digest.hexdigest()[:32]}.validated"


def _remember_validated(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text("validated against schema.yaml\n", encoding="utf-8")
        os.replace(tmp, marker)
    except OSError:
        pass  # a read-only home: validate every time instead


def _headline(problems: list[Problem], what: str) -> str:
    count = len(problems)
    return f"the statutory catalogue {what} ({count} problem{'s' if count != 1 else ''}); this is a defect in msp-docs"


class _Files:
    """The catalogue folder: file names shown in messages, raw text and lines of fields."""

    def __init__(self, source, label: str) -> None:
        self.source = source
        self.label = label
        self._lines: dict[str, Any] = {}

    def name(self, filename: str) -> str:
        return f"{self.label}/{filename}"

    def read_all(self) -> tuple[dict[str, str], dict[str, Any], list[Problem]]:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import MarkedYAMLError, YAMLError

        texts: dict[str, str] = {}
        data: dict[str, Any] = {}
        problems: list[Problem] = []
        for filename in DATA_FILES + (SCHEMA_FILE,):
            shown = self.name(filename)
            try:
                texts[filename] = self.source.joinpath(filename).read_text(encoding="utf-8")
            except FileNotFoundError:
                problems.append(Problem(shown, None, None, "is missing"))
                continue
            except (OSError, UnicodeDecodeError) as err:
                problems.append(Problem(shown, None, None, f"cannot be read ({err})"))
                continue
            try:
                loaded = YAML(typ="safe").load(texts[filename])
            except MarkedYAMLError as err:
                mark = err.problem_mark or err.context_mark
                problems.append(Problem(shown, mark.line + 1 if mark else None, None, f"is not valid YAML ({(err.problem or err.context or '').strip()})"))
                continue
            except YAMLError as err:
                problems.append(Problem(shown, None, None, f"is not valid YAML ({err})"))
                continue
            if not isinstance(loaded, dict):
                problems.append(Problem(shown, 1, None, "must be a mapping of sections, not a single value or a list"))
                continue
            data[filename] = loaded
        return texts, data, problems

    def line(self, filename: str, texts: dict[str, str], path: tuple) -> int | None:
        """The line of a field path, found only when a problem needs it (re-reading with line marks)."""
        if filename not in self._lines:
            from msp_docs import yamlfile

            try:
                self._lines[filename] = yamlfile.loads(texts[filename], file=self.name(filename), what="catalogue file")
            except yamlfile.YamlReadError:
                self._lines[filename] = None
        document = self._lines[filename]
        return document.line_of(path) if document is not None else None


# --------------------------------------------------------------------------- schema


def _schema_problems(files: _Files, texts: dict[str, str], data: dict[str, Any]) -> list[Problem]:
    import cerberus

    schema_doc = data[SCHEMA_FILE]
    problems: list[Problem] = []
    file_schemas = schema_doc.get("files") if isinstance(schema_doc, dict) else None
    if not isinstance(file_schemas, dict):
        return [Problem(files.name(SCHEMA_FILE), 1, "files", "must map each data file to its schema")]
    for filename in DATA_FILES:
        schema = file_schemas.get(filename)
        if not isinstance(schema, dict):
            problems.append(Problem(files.name(SCHEMA_FILE), None, f"files.{filename}", "has no schema for this data file"))
            continue
        try:
            validator = cerberus.Validator(schema)
        except cerberus.schema.SchemaError as err:
            problems.append(Problem(files.name(SCHEMA_FILE), None, f"files.{filename}", f"is not a valid Cerberus schema: {err}"))
            continue
        if validator.validate(data[filename]):
            continue
        for path, message in _flatten(validator.errors):
            value = _value_at(data[filename], path)
            if message == "must be of string type" and isinstance(value, (int, float)) and not isinstance(value, bool):
                message += f" (YAML read {value!r} as a number; put paragraph numbers in quotes, like \"14.10\")"
            problems.append(Problem(files.name(filename), files.line(filename, texts, path), _field(data[filename], path), message))
    return problems


def _flatten(errors: Mapping, path: tuple = ()) -> Iterable[tuple[tuple, str]]:
    for key, value in errors.items():
        here = path + (key,)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping):
                yield from _flatten(item, here)
            else:
                yield here, str(item)


def _value_at(data: Any, path: tuple) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _field(data: Any, path: tuple) -> str:
    """A field path for messages, naming list items by their id where they have one."""
    out = ""
    node = data
    for part in path:
        child = _value_at(node, (part,))
        if isinstance(part, int):
            item_id = child.get("id", child.get("number")) if isinstance(child, dict) else None
            out += f"[{part}]" + (f" ({item_id})" if item_id is not None else "")
        else:
            out += ("." if out else "") + str(part)
        node = child
    return out


# --------------------------------------------------------------------------- cross-checks and building


class _CrossCheck:
    """Builds the catalogue from schema-valid data and collects every inconsistency between files."""

    def __init__(self, files: _Files, texts: dict[str, str], data: dict[str, Any], *, trusted: bool = False) -> None:
        self.files = files
        self.texts = texts
        self.data = data
        self.trusted = trusted
        self.problems: list[Problem] = []

    def problem(self, filename: str, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.files.name(filename), self.files.line(filename, self.texts, path), _field(self.data[filename], path) or None, message))

    def unique(self, filename: str, items: list, section: str, key: str = "id") -> None:
        seen: set = set()
        for index, item in enumerate(items):
            value = item[key]
            if value in seen:
                self.problem(filename, (section, index, key), f"'{value}' appears more than once")
            seen.add(value)

    # -- concepts

    def concepts(self) -> tuple[dict[str, Concept], tuple[str, ...], re.Pattern]:
        doc = self.data["concepts.yaml"]
        cues = tuple(doc["negation_cues"])
        for index, cue in enumerate(cues):
            if len(cue.split()) < 2:
                self.problem("concepts.yaml", ("negation_cues", index), f"'{cue}' is a single word; a bare 'not' or 'no' would turn instructions such as 'do not delay' into exclusions")
        negation = _compiled(self._compile_list("concepts.yaml", ("negation_cues",), cues))
        concepts: dict[str, Concept] = {}
        for cid, body in doc["concepts"].items():
            unless = tuple(body.get("unless_near", []))
            concepts[cid] = Concept(
                id=cid,
                label=body["label"],
                patterns=tuple(body["patterns"]),
                unless_near=unless,
                context=tuple(body.get("context", [])),
                regex_source=self._compile_list("concepts.yaml", ("concepts", cid, "patterns"), body["patterns"]),
                unless_source=self._compile_list("concepts.yaml", ("concepts", cid, "unless_near"), unless) if unless else None,
            )
        for cid, concept in concepts.items():
            for index, other in enumerate(concept.context):
                path = ("concepts", cid, "context", index)
                if other == cid:
                    self.problem("concepts.yaml", path, "a concept cannot be its own context")
                elif other not in concepts:
                    self.problem("concepts.yaml", path, f"unknown concept '{other}'{_hint(other, concepts)}")
                elif concepts[other].context:
                    self.problem("concepts.yaml", path, f"'{other}' has a context of its own; a context concept must match on its patterns alone")
        return concepts, cues, negation

    def _compile_list(self, filename: str, path: tuple, patterns: Iterable[str]) -> str:
        """A list of patterns as one whole-word regex source; pinpoint bad patterns only on failure.

        A catalogue already validated once (``trusted``) skips the trial compilation.
        """
        patterns = list(patterns)
        body = "|".join(f"(?:{p})" for p in patterns)
        if self.trusted:
            return rf"(?<!\w)(?:{_lower_pattern(body)})(?!\w)"
        try:
            bare = re.compile(body, re.IGNORECASE)
            broken = bare.fullmatch("") is not None or any(p != p.strip() for p in patterns)
        except re.error:
            broken = True
        if broken:
            for index, pattern in enumerate(patterns):
                self._check_one(filename, path + (index,), pattern)
            return _NOTHING
        return rf"(?<!\w)(?:{_lower_pattern(body)})(?!\w)"

    def _check_one(self, filename: str, path: tuple, pattern: str) -> None:
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as err:
            self.problem(filename, path, f"'{pattern}' is not a valid regular expression ({err})")
            return
        if compiled.fullmatch("") is not None:
            self.problem(filename, path, f"'{pattern}' matches empty text, so it would match every sentence")
        elif pattern != pattern.strip():
            self.problem(filename, path, f"'{pattern}' starts or ends with a space")

    def rule(self, filename: str, path: tuple, body: Mapping, concepts: Mapping[str, Concept]) -> EvidenceRule:
        rule = EvidenceRule(must=tuple(body.get("must", [])), some=tuple(body.get("some", [])), need=body.get("need", 0))
        for part in ("must", "some"):
            for index, cid in enumerate(getattr(rule, part)):
                if cid not in concepts:
                    self.problem(filename, path + ("evidence", part, index), f"unknown concept '{cid}'{_hint(cid, concepts)}")
        if len(set(rule.concepts)) != len(rule.concepts):
            self.problem(filename, path + ("evidence",), "a concept is listed twice (in must and some, or twice in one list)")
        if rule.need > len(rule.some):
            self.problem(filename, path + ("evidence", "need"), f"needs {rule.need} of {len(rule.some)} 'some' concepts, which can never be met")
        if not rule.must and rule.need == 0:
            self.problem(filename, path + ("evidence",), "asks for nothing (no 'must' concepts and need 0), so every document would cover it")
        return rule

    # -- the whole build

    def build(self) -> Catalogue:
        concepts, cues, negation = self.concepts()
        paragraph_items = self.data["paragraphs.yaml"]["paragraphs"]
        theme_items = self.data["themes.yaml"]["themes"]
        self.unique("paragraphs.yaml", paragraph_items, "paragraphs")
        self.unique("themes.yaml", theme_items, "themes")
        theme_ids = [t["id"] for t in theme_items]
        paragraph_ids = [p["id"] for p in paragraph_items]

        # paragraphs: id, number and editions agree; themes exist
        for index, item in enumerate(paragraph_items):
            pid, number, editions = item["id"], item["number"], item["editions"]
            is_2014 = pid.startswith("2014-")
            if (pid[5:] if is_2014 else pid) != number:
                self.problem("paragraphs.yaml", ("paragraphs", index, "number"), f"'{number}' does not match the id '{pid}' (2014-numbered ids are '2014-' plus the number)")
            if is_2014 and list(editions) != ["2014"]:
                self.problem("paragraphs.yaml", ("paragraphs", index, "editions"), "an id starting '2014-' is a paragraph of the October 2014 numbering only: editions must be [\"2014\"]")
            if not is_2014 and "2017" not in editions:
                self.problem("paragraphs.yaml", ("paragraphs", index, "editions"), "a bare id is a 2016/2017 paragraph: editions must include \"2017\" (use a '2014-' id for October 2014 numbers)")
            for t_index, theme in enumerate(item["themes"]):
                if theme not in theme_ids:
                    self.problem("paragraphs.yaml", ("paragraphs", index, "themes", t_index), f"unknown theme '{theme}'{_hint(theme, theme_ids)}")

        # numbering: correspondences, slips, issues
        numbering = self.data["numbering.yaml"]
        corresponds: dict[str, list[str]] = {pid: [] for pid in paragraph_ids}
        only_2014 = {p["id"] for p in paragraph_items if list(p["editions"]) == ["2014"]}
        with_2017 = {p["id"] for p in paragraph_items if "2017" in p["editions"]}
        self.unique("numbering.yaml", numbering["numberings"], "numberings")
        self.unique("numbering.yaml", numbering["editions"], "editions")
        schemes = [n["id"] for n in numbering["numberings"]]
        for index, item in enumerate(numbering["editions"]):
            if item["numbering"] is not None and item["numbering"] not in schemes:
                self.problem("numbering.yaml", ("editions", index, "numbering"), f"unknown numbering '{item['numbering']}'; use one of {', '.join(schemes)} or null")
        mapped: set[str] = set()
        for index, item in enumerate(numbering["correspondences"]):
            old = item["id_2014"]
            if old not in only_2014:
                self.problem("numbering.yaml", ("correspondences", index, "id_2014"), f"'{old}' is not a 2014-only paragraph in paragraphs.yaml{_hint(old, sorted(only_2014))}")
            elif old in mapped:
                self.problem("numbering.yaml", ("correspondences", index, "id_2014"), f"'{old}' has more than one correspondence row; keep one")
            mapped.add(old)
            for n_index, new in enumerate(item["ids_2017"]):
                if new not in with_2017:
                    self.problem("numbering.yaml", ("correspondences", index, "ids_2017", n_index), f"'{new}' is not a 2016/2017 paragraph in paragraphs.yaml{_hint(new, sorted(with_2017))}")
                elif old in corresponds:
                    corresponds[old].append(new)
                    corresponds[new].append(old)
        for pid in sorted(only_2014 - mapped):
            index = paragraph_ids.index(pid)
            self.problem("paragraphs.yaml", ("paragraphs", index, "id"), f"'{pid}' has no row in numbering.yaml correspondences (write ids_2017: [] if its current number is unknown)")
        for index, slip in enumerate(numbering["slips"]):
            if slip["numbering"] not in schemes:
                self.problem("numbering.yaml", ("slips", index, "numbering"), f"unknown numbering '{slip['numbering']}'")
            targets = [p for p in paragraph_items if p["number"] == slip["means"] and slip["numbering"] in p["editions"]]
            if not targets:
                self.problem("numbering.yaml", ("slips", index, "means"), f"no paragraph numbered '{slip['means']}' in the {slip['numbering']} numbering")
        self.unique("numbering.yaml", numbering["issues"], "issues")
        for index, issue in enumerate(numbering["issues"]):
            for r_index, rid in enumerate(issue.get("requirements", [])):
                if rid not in paragraph_ids:
                    self.problem("numbering.yaml", ("issues", index, "requirements", r_index), f"unknown paragraph '{rid}'{_hint(rid, paragraph_ids)}")

        # themes hold no paragraph list: it is derived from paragraphs.yaml
        theme_paragraphs: dict[str, list[str]] = {tid: [] for tid in theme_ids}
        for item in paragraph_items:
            for theme in item["themes"]:
                if theme in theme_paragraphs:
                    theme_paragraphs[theme].append(item["id"])

        # baselines
        baseline_doc = self.data["baselines.yaml"]["baselines"]
        members: dict[str, set[str]] = {}
        for kind, body in baseline_doc.items():
            if body["themes"] == "all":
                chosen_themes = list(theme_ids)
            else:
                chosen_themes = list(body["themes"])
                for index, tid in enumerate(chosen_themes):
                    if tid not in theme_ids:
                        self.problem("baselines.yaml", ("baselines", kind, "themes", index), f"unknown theme '{tid}'{_hint(tid, theme_ids)}")
            for index, pid in enumerate(body["paragraphs"]):
                if pid not in paragraph_ids:
                    self.problem("baselines.yaml", ("baselines", kind, "paragraphs", index), f"unknown paragraph '{pid}'{_hint(pid, paragraph_ids)}")
            for index, item in enumerate(body.get("not_included", [])):
                if item["id"] not in paragraph_ids:
                    self.problem("baselines.yaml", ("baselines", kind, "not_included", index, "id"), f"unknown paragraph '{item['id']}'")
                elif item["id"] in body["paragraphs"]:
                    self.problem("baselines.yaml", ("baselines", kind, "not_included", index, "id"), f"'{item['id']}' is both included and not included")
            for section in ("themes", "paragraphs"):
                listed = body[section] if isinstance(body[section], list) else []
                if len(set(listed)) != len(listed):
                    self.problem("baselines.yaml", ("baselines", kind, section), "an id is listed twice")
            members[kind] = set(chosen_themes) | set(body["paragraphs"])

        # checklist: requirements and steps exist; the self-assessment baseline is exactly its requirements
        checklist = self.data["checklist.yaml"]
        self.unique("checklist.yaml", checklist["items"], "items")
        step_numbers = [s["number"] for s in self.data["msp-steps.yaml"]["steps"]]
        known = set(paragraph_ids) | set(theme_ids)
        named: set[str] = set()
        for index, item in enumerate(checklist["items"]):
            for r_index, rid in enumerate(item["requirements"]):
                named.add(rid)
                if rid not in known:
                    self.problem("checklist.yaml", ("items", index, "requirements", r_index), f"unknown requirement '{rid}'{_hint(rid, sorted(known))}")
            for s_index, step in enumerate(item["msp_steps"]):
                if step not in step_numbers:
                    self.problem("checklist.yaml", ("items", index, "msp_steps", s_index), f"there is no MSP step {step}")
        if "self-assessment" in members and named and members["self-assessment"] != named:
            extra = sorted(members["self-assessment"] - named)
            missing = sorted(named - members["self-assessment"])
            detail = "; ".join(p for p in (f"not in any checklist item: {', '.join(extra)}" if extra else "", f"missing from the baseline: {', '.join(missing)}" if missing else "") if p)
            self.problem("baselines.yaml", ("baselines", "self-assessment"), f"must list exactly the requirements named in checklist.yaml ({detail})")

        # MSP steps
        steps = self.data["msp-steps.yaml"]["steps"]
        self.unique("msp-steps.yaml", steps, "steps", key="number")
        if sorted(step_numbers) != list(range(1, len(step_numbers) + 1)):
            self.problem("msp-steps.yaml", ("steps",), f"steps must be numbered 1 to {len(step_numbers)} without gaps")
        for index, step in enumerate(steps):
            for p_index, pid in enumerate(step["paragraphs"]):
                if pid not in paragraph_ids:
                    self.problem("msp-steps.yaml", ("steps", index, "paragraphs", p_index), f"unknown paragraph '{pid}'{_hint(pid, paragraph_ids)}")

        # law
        self._check_law(theme_ids, paragraph_ids, concepts)

        # evidence rules and requirements
        requirements: dict[str, Requirement] = {}
        for index, item in enumerate(paragraph_items):
            rule = self.rule("paragraphs.yaml", ("paragraphs", index), item["evidence"], concepts)
            editions = tuple(item["editions"])
            requirements[item["id"]] = Requirement(
                id=item["id"],
                kind="paragraph",
                title=item["title"],
                summary=item["summary"],
                evidence=rule,
                themes=tuple(item["themes"]),
                edition="2017" if "2017" in editions else "2014",
                editions=editions,
                number=item["number"],
                verification=item["verification"],
                verification_basis=item.get("verification_basis"),
                verification_sources=tuple(item.get("verification_sources", [])),
                cited_in=tuple(item["cited_in"]),
                corresponds_to=tuple(corresponds.get(item["id"], [])),
                source_url=item["source_url"],
                note=item.get("note"),
                baselines=tuple(kind for kind, ids in members.items() if item["id"] in ids),
            )
        for index, item in enumerate(theme_items):
            rule = self.rule("themes.yaml", ("themes", index), item["evidence"], concepts)
            requirements[item["id"]] = Requirement(
                id=item["id"],
                kind="theme",
                title=item["title"],
                summary=item["summary"],
                evidence=rule,
                paragraphs=tuple(theme_paragraphs.get(item["id"], [])),
                baselines=tuple(kind for kind, ids in members.items() if item["id"] in ids),
            )

        order = list(requirements)
        baselines = {
            kind: Baseline(
                kind=kind,
                title=body["title"],
                description=body["description"],
                requirements=tuple(rid for rid in order if rid in members[kind]),
            )
            for kind, body in baseline_doc.items()
        }
        paragraphs = {rid: r for rid, r in requirements.items() if r.kind == "paragraph"}
        themes = {rid: r for rid, r in requirements.items() if r.kind == "theme"}
        return Catalogue(
            folder=self.files.label,
            requirements=MappingProxyType(requirements),
            paragraphs=MappingProxyType(paragraphs),
            themes=MappingProxyType(themes),
            concepts=MappingProxyType(concepts),
            baselines=MappingProxyType(baselines),
            checklist=_freeze(self.data["checklist.yaml"]),
            law=_freeze(self.data["law.yaml"]),
            msp_steps=_freeze(self.data["msp-steps.yaml"]),
            numbering=_freeze(numbering),
            negation_cues=cues,
            negation_regex=negation,
        )

    def _check_law(self, theme_ids: list[str], paragraph_ids: list[str], concepts: Mapping[str, Concept]) -> None:
        law = self.data["law.yaml"]
        self.unique("law.yaml", law["principles"], "principles")
        for index, item in enumerate(law["principles"]):
            if item["theme"] != f"principle-{item['id']}":
                self.problem("law.yaml", ("principles", index, "theme"), f"should be 'principle-{item['id']}'")
            elif item["theme"] not in theme_ids:
                self.problem("law.yaml", ("principles", index, "theme"), f"unknown theme '{item['theme']}'")
            for s_index, sentence in enumerate(_sentences(item["easy_read"])):
                if len(sentence.split()) >= 15:
                    self.problem("law.yaml", ("principles", index, "easy_read"), f"sentence {s_index + 1} has {len(sentence.split())} words; easy-read sentences need fewer than 15")
        refs = [a["ref"] for a in law["wellbeing"]["areas"]]
        expected = [f"s.1(2)({letter})" for letter in "abcdefghi"]
        if refs != expected:
            self.problem("law.yaml", ("wellbeing", "areas"), f"must be the nine areas {expected[0]} to {expected[-1]} in order")
        if law["wellbeing"]["housing_area_ref"] not in refs:
            self.problem("law.yaml", ("wellbeing", "housing_area_ref"), "must be one of the areas' refs")
        mca_refs = [m["ref"] for m in law["mca_principles"]]
        if mca_refs != [f"s.1({n})" for n in range(2, 7)]:
            self.problem("law.yaml", ("mca_principles",), "must be the five principles s.1(2) to s.1(6) in order")
        self.unique("law.yaml", law["abuse_types"], "abuse_types")
        for index, item in enumerate(law["abuse_types"]):
            for c_index, cid in enumerate(item["concepts"]):
                if cid not in concepts:
                    self.problem("law.yaml", ("abuse_types", index, "concepts", c_index), f"unknown concept '{cid}'{_hint(cid, concepts)}")
            for s_index, sentence in enumerate(_sentences(item["easy_read"])):
                if len(sentence.split()) >= 15:
                    self.problem("law.yaml", ("abuse_types", index, "easy_read"), f"sentence {s_index + 1} has {len(sentence.split())} words; easy-read sentences need fewer than 15")
        for key in ("scope", "section_42"):
            for p_index, pid in enumerate(law[key].get("paragraphs", [])):
                if pid not in paragraph_ids:
                    self.problem("law.yaml", (key, "paragraphs", p_index), f"unknown paragraph '{pid}'")


# --------------------------------------------------------------------------- small helpers


def _lower_pattern(pattern: str) -> str:
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


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _hint(value: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(str(value), list(choices), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


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
