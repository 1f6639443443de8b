"""The cross-checks between catalogue files (every id used is defined, numbers and editions agree), building the Catalogue."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from msp_docs.catalogue.concepts import Concept, _compiled, lower_pattern, whole_word
from msp_docs.catalogue.contents import BASES, Baseline, Catalogue, EvidenceRule, Requirement
from msp_docs.catalogue.reading import _field, _Files
from msp_docs.errors import Problem


_NOTHING = r"(?!x)x"  # stands in for a broken pattern, which is reported separately


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
            return whole_word(lower_pattern(body))
        try:
            bare = re.compile(body, re.IGNORECASE)
            broken = bare.fullmatch("") is not None or any(p != p.strip() for p in patterns)
        except re.error:
            broken = True
        if broken:
            for index, pattern in enumerate(patterns):
                self._check_one(filename, path + (index,), pattern)
            return _NOTHING
        return whole_word(lower_pattern(body))

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
        rule = EvidenceRule(
            must=tuple(body.get("must", [])),
            some=tuple(body.get("some", [])),
            need=body.get("need", 0),
            hints=tuple(body.get("hints", [])),
            host=body.get("host", "any"),
            enough=tuple(body.get("enough", [])),
            in_contracts=tuple(body.get("in_contracts", [])),
            commitments=body.get("commitments", "substance"),
            sentences=body.get("sentences", 1),
            named_elsewhere=body.get("named_elsewhere", False),
            described=body.get("described", 0),
        )
        for part in ("must", "some", "enough", "hints", "in_contracts"):
            for index, cid in enumerate(getattr(rule, part)):
                if cid not in concepts:
                    self.problem(filename, path + ("evidence", part, index), f"unknown concept '{cid}'{_hint(cid, concepts)}")
        if len(set(rule.concepts)) != len(rule.concepts):
            self.problem(filename, path + ("evidence",), "a concept is listed twice (in must, some, enough or hints, or twice in one list)")
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
        bases = self.data["confidence.yaml"]["bases"]
        for basis in BASES:
            if basis not in bases:
                self.problem("confidence.yaml", ("bases",), f"has no confidence for the basis '{basis}'")
        for basis in bases:
            if basis not in BASES:
                self.problem("confidence.yaml", ("bases", basis), f"'{basis}' is not a basis the checker gives; use one of {', '.join(BASES)}")

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
            commitment_regex=_compiled(self._compile_list("concepts.yaml", ("commitment_cues",), self.data["concepts.yaml"].get("commitment_cues", []))),
            confidence_table=_freeze(self.data["confidence.yaml"]),
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
