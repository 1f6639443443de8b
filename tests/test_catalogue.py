"""Tests for the statutory catalogue: its data files, their schema, cross-checks, citations and evidence rules."""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path

import pytest

from msp_docs.catalogue import COVERED, MISSING, PARTIAL, DATA_FILES, EvidenceRule, load_catalogue
from msp_docs.errors import CatalogueError, OptionError

THEME_IDS = [
    "principle-empowerment", "principle-prevention", "principle-proportionality", "principle-protection",
    "principle-partnership", "principle-accountability", "wellbeing", "making-safeguarding-personal",
    "mental-capacity", "information-sharing", "safeguarding-leads", "training", "supervision", "record-keeping",
    "reporting-concerns", "section-42-enquiries", "safeguarding-adults-board", "prevention-early-intervention",
    "types-of-abuse", "contractors", "advocacy", "complaints-whistleblowing", "policy-review",
]
PRINCIPLES = [t for t in THEME_IDS if t.startswith("principle-")]

# The baselines as the design fixes them, written out here so the test does not just read the data back.
POLICY_PARAGRAPHS = [
    "1.1", "1.21", "14.2", "14.10", "14.11", "14.12", "14.13", "14.14", "14.15", "14.17", "14.36", "14.37", "14.48",
    "14.52", "14.54", "14.55-14.61", "14.56", "14.57", "14.62", "14.65", "14.66", "14.67", "14.77", "14.79", "14.80",
    "14.91", "14.92", "14.93", "14.97", "14.100", "14.136", "14.139", "14.157", "14.202", "14.222",
]
PROCEDURE = {
    "themes": ["principle-empowerment", "principle-proportionality", "principle-protection", "principle-partnership",
               "wellbeing", "making-safeguarding-personal", "mental-capacity", "information-sharing", "safeguarding-leads",
               "record-keeping", "reporting-concerns", "section-42-enquiries", "types-of-abuse", "advocacy",
               "prevention-early-intervention"],
    "paragraphs": ["14.2", "14.10", "14.15", "14.17", "14.37", "14.52", "14.55-14.61", "14.77", "14.79", "14.80",
                   "14.91", "14.92", "14.93", "14.100"],
}
CONTRACT = {
    "themes": PRINCIPLES + ["making-safeguarding-personal", "mental-capacity", "information-sharing", "safeguarding-leads",
                            "training", "record-keeping", "reporting-concerns", "types-of-abuse", "contractors",
                            "prevention-early-intervention", "complaints-whistleblowing", "policy-review"],
    "paragraphs": ["14.13", "14.17", "14.36", "14.37", "14.66", "14.222"],
}
SELF_ASSESSMENT = {
    "themes": ["safeguarding-leads", "policy-review"] + PRINCIPLES + ["record-keeping", "training", "supervision",
               "safeguarding-adults-board", "section-42-enquiries", "information-sharing",
               "prevention-early-intervention", "mental-capacity", "making-safeguarding-personal"],
    "extra_paragraphs": ["14.11", "14.13", "14.55-14.61", "14.62", "14.65", "14.66", "14.67", "14.97", "14.100", "14.222"],
}
LEAFLET = {
    "themes": PRINCIPLES + ["making-safeguarding-personal", "types-of-abuse", "reporting-concerns", "information-sharing",
                            "advocacy", "complaints-whistleblowing"],
    "paragraphs": ["14.11", "14.13", "14.15", "14.17"],
}

# Appendix 2 of the LGA/ADASS resource, transcribed; law.yaml must quote them exactly.
I_STATEMENTS = {
    "empowerment": "I am asked what I want as the outcomes from the safeguarding process and these directly inform what happens.",
    "prevention": "I receive clear and simple information about what abuse is, how to recognise the signs and what I can do to seek help.",
    "proportionality": "I am sure that the professionals will work in my interest, as I see them and they will only get involved as much as needed.",
    "protection": "I get help and support to report abuse and neglect. I get help so that I am able to take part in the safeguarding process to the extent to which I want.",
    "partnership": "I know that staff treat any personal and sensitive information in confidence, only sharing what is helpful and necessary. I am confident that professionals will work together and with me to get the best result for me.",
    "accountability": "I understand the role of everyone involved in my life and so do they.",
}
from conftest import SHARED  # noqa: E402

SEED = SHARED / "seed" / "000_d222083df6cdd820.txt"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture
def copy(tmp_path):
    """A writable copy of the shipped catalogue folder, with a helper to edit one file's text."""
    shipped = Path(str(resources.files("msp_docs").joinpath("data", "catalogue")))
    folder = tmp_path / "catalogue"
    shutil.copytree(shipped, folder)

    def edit(filename: str, old: str, new: str, count: int = 1) -> Path:
        path = folder / filename
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= count, f"{old!r} not found in {filename}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")
        return folder

    edit.folder = folder
    return edit


def _found(catalogue, text: str) -> set[str]:
    """The concepts a paragraph shows, the way the checker reads one: its sentences give each other context."""
    alone = [catalogue.concepts_alone(sentence) for sentence in re.split(r"(?<=[.!?])\s+", text)]
    around = set().union(*alone)
    return set().union(*(catalogue.with_context(shown, around) for shown in alone))


# --------------------------------------------------------------------------- shape and counts


def test_shipped_catalogue_loads_and_validates_against_its_schema(catalogue):
    assert catalogue.folder.endswith("msp_docs/data/catalogue")
    assert load_catalogue() is catalogue  # cached


def test_exactly_the_23_themes_in_order(catalogue):
    assert list(catalogue.themes) == THEME_IDS


def test_59_paragraph_entries_with_the_registry_verification_counts(catalogue):
    assert len(catalogue.paragraphs) == 59
    counts: dict[str, int] = {}
    for requirement in catalogue.paragraphs.values():
        counts[requirement.verification] = counts.get(requirement.verification, 0) + 1
    assert counts == {"numbered-secondary": 4, "text-corroborated": 9, "seed-quote-only": 6, "inferred": 40}
    assert sum(1 for r in catalogue.paragraphs.values() if r.id.startswith("2014-")) == 23


def test_requirements_are_paragraphs_then_themes(catalogue):
    kinds = [r.kind for r in catalogue.requirements.values()]
    assert kinds == ["paragraph"] * 59 + ["theme"] * 23


def test_verified_only_for_numbered_secondary_paragraphs(catalogue):
    verified = [r.id for r in catalogue.requirements.values() if r.verified]
    assert verified == ["1.1", "14.2", "14.15", "14.17"]
    assert all(r.verification == "editorial" and not r.verified for r in catalogue.themes.values())


def test_stable_numbers_have_one_entry_for_both_numberings(catalogue):
    both = [r.id for r in catalogue.paragraphs.values() if r.editions == ("2014", "2017")]
    assert both == ["14.2", "14.11", "14.13", "14.17"]
    assert "2014-14.11" not in catalogue.requirements and "2014-14.13" not in catalogue.requirements
    assert catalogue.requirements["14.13"].edition == "2017"
    assert catalogue.requirements["2014-14.29"].edition == "2014"
    assert catalogue.requirements["2014-14.29"].number == "14.29"


def test_every_unverified_summary_says_so(catalogue):
    for requirement in catalogue.paragraphs.values():
        if requirement.verification == "inferred":
            assert "not been checked" in requirement.summary or "unchecked" in requirement.summary, requirement.id


def test_summaries_are_not_copies_of_the_registry_paraphrases(catalogue):
    registry = SHARED / "reference" / "statutory-registry.yaml"
    if not registry.exists():
        pytest.skip("the research registry is not in this checkout")
    text = " ".join(registry.read_text(encoding="utf-8").split())
    for requirement in catalogue.paragraphs.values():
        words = requirement.summary.split()
        # no run of 12 words copied from the registry
        for start in range(0, max(0, len(words) - 12)):
            assert " ".join(words[start:start + 12]) not in text, requirement.id


# --------------------------------------------------------------------------- ids referenced everywhere exist


def test_every_id_referenced_anywhere_exists(catalogue):
    paragraphs, themes, concepts = catalogue.paragraphs, catalogue.themes, catalogue.concepts
    for requirement in catalogue.requirements.values():
        assert set(requirement.themes) <= set(themes), requirement.id
        assert set(requirement.paragraphs) <= set(paragraphs), requirement.id
        assert set(requirement.corresponds_to) <= set(paragraphs), requirement.id
        assert set(requirement.evidence.concepts) <= set(concepts), requirement.id
    for concept in concepts.values():
        assert set(concept.context) <= set(concepts), concept.id
    for baseline in catalogue.baselines.values():
        assert set(baseline.requirements) <= set(catalogue.requirements), baseline.kind
    for item in catalogue.checklist["items"]:
        assert set(item["requirements"]) <= set(catalogue.requirements), item["id"]
    for step in catalogue.msp_steps["steps"]:
        assert set(step["paragraphs"]) <= set(paragraphs), step["number"]
    for kind in catalogue.law["abuse_types"]:
        assert set(kind["concepts"]) <= set(concepts), kind["id"]
    for issue in catalogue.numbering["issues"]:
        assert set(issue["requirements"]) <= set(paragraphs), issue["id"]


def test_theme_paragraph_lists_agree_with_paragraph_theme_lists(catalogue):
    for theme in catalogue.themes.values():
        expected = [p.id for p in catalogue.paragraphs.values() if theme.id in p.themes]
        assert list(theme.paragraphs) == expected, theme.id
    assert "14.13" in catalogue.themes["principle-accountability"].paragraphs
    assert "14.222" in catalogue.themes["contractors"].paragraphs


def test_every_theme_relates_to_at_least_one_paragraph(catalogue):
    assert [t.id for t in catalogue.themes.values() if not t.paragraphs] == []


def test_every_concept_is_used_by_a_rule_a_context_the_law_or_the_checker(catalogue):
    from msp_docs.check import ADULT_SENSE, CHILD_CONCEPT, RELEVANCE_CONCEPT, SAFEGUARDING_SENSE, SCOPE_SENSE

    used = {c for r in catalogue.requirements.values() for c in r.evidence.concepts + r.evidence.in_contracts}
    used |= {c for concept in catalogue.concepts.values() for c in concept.context}
    used |= {c for kind in catalogue.law["abuse_types"] for c in kind["concepts"]}
    used |= {RELEVANCE_CONCEPT, CHILD_CONCEPT} | SAFEGUARDING_SENSE | ADULT_SENSE | SCOPE_SENSE
    assert sorted(set(catalogue.concepts) - used) == []


def test_the_concepts_the_checker_names_exist(catalogue):
    from msp_docs.check import ADULT_SENSE, CHILD_CONCEPT, RELEVANCE_CONCEPT, SAFEGUARDING_SENSE, SCOPE_SENSE

    assert {RELEVANCE_CONCEPT, CHILD_CONCEPT} | SAFEGUARDING_SENSE | ADULT_SENSE | SCOPE_SENSE <= set(catalogue.concepts)


# --------------------------------------------------------------------------- baselines


def test_baseline_kinds(catalogue):
    assert list(catalogue.baselines) == ["policy", "procedure", "contract", "self-assessment", "leaflet"]
    for baseline in catalogue.baselines.values():
        assert baseline.title and baseline.description and "\n" not in baseline.description


def test_policy_baseline_is_every_theme_and_every_2017_paragraph_but_14_207(catalogue):
    policy = catalogue.baseline("policy")
    assert set(policy) == set(THEME_IDS) | set(POLICY_PARAGRAPHS)
    every_2017 = {r.id for r in catalogue.paragraphs.values() if "2017" in r.editions}
    assert set(POLICY_PARAGRAPHS) == every_2017 - {"14.207"}


@pytest.mark.parametrize(("kind", "spec"), [("procedure", PROCEDURE), ("contract", CONTRACT), ("leaflet", LEAFLET)])
def test_baselines_match_the_design(catalogue, kind, spec):
    assert set(catalogue.baseline(kind)) == set(spec["themes"]) | set(spec["paragraphs"])


def test_self_assessment_baseline_is_every_requirement_the_checklist_names(catalogue):
    named = {rid for item in catalogue.checklist["items"] for rid in item["requirements"]}
    every_2014 = {r for r in catalogue.paragraphs if r.startswith("2014-")}
    expected = set(SELF_ASSESSMENT["themes"]) | every_2014 | set(SELF_ASSESSMENT["extra_paragraphs"])
    assert set(catalogue.baseline("self-assessment")) == expected == named


def test_baselines_are_in_catalogue_order_and_computed_onto_requirements(catalogue):
    order = list(catalogue.requirements)
    for baseline in catalogue.baselines.values():
        assert list(baseline.requirements) == sorted(baseline.requirements, key=order.index)
        for rid in baseline.requirements:
            assert baseline.kind in catalogue.requirements[rid].baselines
    assert catalogue.requirements["14.207"].baselines == ()
    assert catalogue.requirements["14.13"].baselines == ("policy", "contract", "self-assessment", "leaflet")


def test_unknown_baseline_names_the_kinds(catalogue):
    with pytest.raises(OptionError) as err:
        catalogue.baseline("polcy")
    assert "'polcy' is not a kind of document" in str(err.value)
    assert "policy, procedure, contract, self-assessment, leaflet" in str(err.value)


# --------------------------------------------------------------------------- citations and numbering


def test_resolve_the_4_13_slip(catalogue):
    assert catalogue.resolve_citation("4.13") == ("14.13",)
    assert catalogue.resolve_citation("paragraph 4.13") == ("14.13",)


def test_resolve_2014_numbers_to_the_entry_and_its_likely_2017_equivalent(catalogue):
    assert catalogue.resolve_citation("14.29", "2014") == ("2014-14.29", "14.36")
    assert catalogue.resolve_citation("14.59", "2014") == ("2014-14.59", "14.100")
    assert catalogue.resolve_citation("14.205", "2014") == ("2014-14.205", "14.222")
    assert catalogue.resolve_citation("14.13", "2014") == ("14.13",)
    assert catalogue.resolve_citation("14.40", "2014") == ("2014-14.40",)  # current number unknown


def test_same_number_means_different_things_in_each_numbering(catalogue):
    assert catalogue.resolve_citation("14.54") == ("14.54",)
    assert catalogue.resolve_citation("14.54", "2014") == ("2014-14.54",)
    assert catalogue.resolve_citation("14.59") == ("14.55-14.61",)
    assert catalogue.resolve_citation("14.29") == ()


def test_resolve_numbers_inside_and_across_the_mca_range(catalogue):
    assert catalogue.resolve_citation("14.56") == ("14.56", "14.55-14.61")
    assert catalogue.resolve_citation("14.58") == ("14.55-14.61",)
    assert catalogue.resolve_citation("14.55-14.61") == ("14.55-14.61", "14.56", "14.57")
    assert catalogue.resolve_citation("14.55 to 14.61") == ("14.55-14.61", "14.56", "14.57")
    assert catalogue.resolve_citation("14.55\u201314.61") == ("14.55-14.61", "14.56", "14.57")


def test_resolve_does_not_confuse_14_2_with_14_20(catalogue):
    assert catalogue.resolve_citation("14.2") == ("14.2",)
    assert catalogue.resolve_citation("14.20") == ()
    assert catalogue.resolve_citation("not a number") == ()


def test_edition_ids_map_to_their_numbering(catalogue):
    assert catalogue.resolve_citation("14.29", "2016") == ()
    assert catalogue.resolve_citation("14.36", "2024") == ("14.36",)
    with pytest.raises(OptionError) as err:
        catalogue.resolve_citation("14.36", "2014-draft")
    assert "June 2014 draft" in str(err.value) and "not known" in str(err.value)
    with pytest.raises(OptionError) as err:
        catalogue.resolve_citation("14.36", "2015")
    assert "'2015' is not an edition" in str(err.value) and "2014, 2017" in str(err.value)


def test_corresponds_to_runs_both_ways(catalogue):
    assert catalogue.requirements["2014-14.46"].corresponds_to == ("14.56", "14.57")
    assert catalogue.requirements["14.56"].corresponds_to == ("2014-14.46",)
    assert catalogue.requirements["14.222"].corresponds_to == ("2014-14.196", "2014-14.205")
    assert catalogue.requirements["2014-14.54"].corresponds_to == ()  # unknown, and certainly not 14.54
    for requirement in catalogue.paragraphs.values():
        for other in requirement.corresponds_to:
            assert requirement.id in catalogue.paragraphs[other].corresponds_to


def test_numbering_records_the_seed_citation_problems(catalogue):
    issues = {i["id"]: i for i in catalogue.numbering["issues"]}
    assert {"same-number-14.54", "same-number-14.59", "14.62-vs-14.67", "14.56-multi-topic",
            "14.207-health-specific", "police-workforce-heading"} <= set(issues)
    assert "police" in issues["police-workforce-heading"]["explanation"]
    assert [s["printed"] for s in catalogue.numbering["slips"]] == ["4.13"]


# --------------------------------------------------------------------------- law


def test_i_statements_are_quoted_exactly(catalogue):
    principles = {p["id"]: p for p in catalogue.law["principles"]}
    assert list(principles) == list(I_STATEMENTS)
    for pid, statement in I_STATEMENTS.items():
        assert principles[pid]["i_statement"] == statement
        assert principles[pid]["theme"] == f"principle-{pid}"
    if SEED.exists():
        seed = SEED.read_text(encoding="utf-8")
        for statement in I_STATEMENTS.values():
            assert statement in seed


def test_easy_read_sentences_are_short(catalogue):
    texts = [p["easy_read"] for p in catalogue.law["principles"]] + [a["easy_read"] for a in catalogue.law["abuse_types"]]
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert len(sentence.split()) < 15, sentence


def test_wellbeing_mca_and_section_42_facts(catalogue):
    law = catalogue.law
    assert [a["ref"] for a in law["wellbeing"]["areas"]] == [f"s.1(2)({c})" for c in "abcdefghi"]
    housing = next(a for a in law["wellbeing"]["areas"] if a["ref"] == law["wellbeing"]["housing_area_ref"])
    assert housing["area"] == "suitability of living accommodation"
    assert len(law["wellbeing"]["matters"]) == 8
    assert [m["ref"] for m in law["mca_principles"]] == ["s.1(2)", "s.1(3)", "s.1(4)", "s.1(5)", "s.1(6)"]
    assert len(law["section_42"]["conditions"]) == 3 and len(law["scope"]["conditions"]) == 3
    assert law["section_42"]["financial_abuse_verified"] is False
    assert "unverified" in law["section_42"]["financial_abuse_note"]


def test_ten_abuse_types_with_self_neglect_caveat(catalogue):
    types = {t["id"]: t for t in catalogue.law["abuse_types"]}
    assert list(types) == ["physical", "domestic", "sexual", "psychological", "financial", "modern-slavery",
                           "discriminatory", "organisational", "neglect", "self-neglect"]
    assert "hoarding" in " ".join(types["self-neglect"]["examples"] + types["self-neglect"]["housing_signs"])
    assert any("cuckooing" in s for s in types["financial"]["housing_signs"])
    assert any("scam" in s for s in types["financial"]["housing_signs"])
    assert types["self-neglect"]["s42_note_verified"] is False
    assert "UNVERIFIED" in types["self-neglect"]["note"] and "section 42" in types["self-neglect"]["note"]


def test_msp_steps(catalogue):
    steps = catalogue.msp_steps["steps"]
    assert [s["number"] for s in steps] == list(range(1, 9))
    assert "14.55-14.61" in steps[4]["paragraphs"]
    assert len(catalogue.msp_steps["impact_statements"]) == 11


# --------------------------------------------------------------------------- to_json


def test_to_json_shape(catalogue):
    rows = catalogue.to_json()
    assert len(rows) == 82
    json.dumps(rows)  # plain data
    paragraph = next(r for r in rows if r["id"] == "14.15")
    assert paragraph["kind"] == "paragraph" and paragraph["edition"] == "2017"
    assert paragraph["themes"] == ["making-safeguarding-personal", "wellbeing", "principle-empowerment"]
    assert paragraph["verification"] == "numbered-secondary" and paragraph["verified"] is True
    assert "policy" in paragraph["baselines"] and paragraph["summary"]
    theme = next(r for r in rows if r["id"] == "advocacy")
    assert theme["kind"] == "theme" and "14.48" in theme["paragraphs"] and "themes" not in theme
    assert theme["verified"] is False and theme["evidence"]["need"] == 2
    leaflet = catalogue.to_json("leaflet")
    assert [r["id"] for r in leaflet] == list(catalogue.baseline("leaflet"))
    with pytest.raises(OptionError):
        catalogue.to_json("poster")


# --------------------------------------------------------------------------- evidence semantics


def test_rule_semantics():
    rule = EvidenceRule(must=("a",), some=("b", "c", "d"), need=2)
    assert rule.assess({"a", "b", "c"}) == COVERED
    assert rule.assess({"a", "b"}) == PARTIAL
    assert rule.assess({"b", "c", "d"}) == PARTIAL  # a must concept is missing
    assert rule.assess(set()) == MISSING
    assert rule.assess(set(), cited=True) == PARTIAL  # a bare citation is never enough


def test_citing_a_number_is_not_needed_for_covered(catalogue):
    text = ("Making Safeguarding Personal means safeguarding is person-led and outcome-focused. "
            "We ask the tenant what outcomes they want at the start.")
    assert catalogue.assess("14.15", _found(catalogue, text)) == COVERED


@pytest.mark.parametrize(("requirement", "text"), [
    ("principle-accountability", "The Board is accountable for financial performance and transparent about rent setting."),
    ("training", "All staff complete health and safety training every year."),
    ("information-sharing", "We share your data with third parties. We may share your details with credit reference agencies."),
    ("principle-partnership", "We are proud of our partnership with developers to build 500 new homes."),
    ("principle-protection", "We comply with data protection law and fire protection standards."),
    ("supervision", "Site supervision of the works is provided by the clerk of works."),
    ("principle-prevention", "We prevent damp and mould and carry out fire prevention checks."),
    ("types-of-abuse", "The contractor must publish a modern slavery statement covering its supply chains."),
    ("wellbeing", "Our staff wellbeing programme offers free gym membership."),
    ("reporting-concerns", "Report a repair online or call 0300 123 4567."),
    ("principle-prevention", "Abusive behaviour towards our staff will not be tolerated and we act early to prevent it."),
    ("prevention-early-intervention", "Drug and alcohol abuse services can prevent relapse. Isolation valves are fitted to every flat."),
    ("wellbeing", "Report author: the Safeguarding and Wellbeing Manager."),
    ("principle-prevention", "We may share your data to prevent or detect crime, for example to protect someone at risk of serious harm."),
    ("principle-partnership", "We work in partnership with our contractors to deliver value for money."),
    ("principle-proportionality", "Our action against perpetrators of anti-social behaviour will be proportionate."),
    ("training", "Neighbourhood officers complete ASB case management training, with a refresher every two years."),
    ("contractors", "Repairs operatives tell the neighbourhood officer about any abuse they see."),
])
def test_false_friends_do_not_count(catalogue, requirement, text):
    assert catalogue.assess(requirement, _found(catalogue, text)) == MISSING


@pytest.mark.parametrize(("requirement", "text"), [
    ("principle-empowerment", "Empowerment: people being supported and encouraged to make their own decisions and informed consent."),
    ("principle-prevention", "Prevention: it is better to take action before harm occurs."),
    ("principle-proportionality", "Proportionality: the least intrusive response appropriate to the risk presented."),
    ("principle-protection", "Protection: support and representation for those in greatest need."),
    ("principle-partnership", "Partnership: local solutions through services working with their communities. Communities have a part to play in preventing, detecting and reporting neglect and abuse."),
    ("principle-accountability", "Accountability: accountability and transparency in delivering safeguarding."),
    ("training", "All staff complete adult safeguarding training at induction and every two years."),
    ("information-sharing", "Data protection law does not stop you sharing information to keep someone safe. Share only what is necessary and proportionate."),
    ("reporting-concerns", "If you are worried about an adult, raise a concern with the safeguarding lead the same day. Do not investigate yourself."),
    ("mental-capacity", "Staff presume capacity under the Mental Capacity Act 2005; if a tenant lacks capacity to make a decision, it is made in their best interests."),
    ("section-42-enquiries", "The council may ask us to carry out a section 42 enquiry; it remains the lead agency."),
    ("contractors", "Contractors must report any safeguarding concern to our lead, and their operatives must complete safeguarding training."),
    ("safeguarding-leads", "Our Designated Safeguarding Officer can be contacted on 0300 123 4567."),
    ("mental-capacity", "We start from the position that every resident can make their own decisions, we help them to decide, and capacity is about one decision at a time."),
    ("complaints-whistleblowing", "Staff can raise concerns about poor practice in safeguarding under our whistleblowing policy."),
    ("making-safeguarding-personal", "We ask the resident what they would like to happen, and what they want shapes what we do next."),
])
def test_substance_counts(catalogue, requirement, text):
    assert catalogue.assess(requirement, _found(catalogue, text)) == COVERED


def test_naming_a_principle_alone_is_partial(catalogue):
    found = _found(catalogue, "Our approach is based on empowerment.")
    assert catalogue.assess("principle-empowerment", found) == PARTIAL


@pytest.mark.parametrize(("requirement", "text"), [
    ("safeguarding-leads", "Our Safeguarding Lead is the Head of Housing."),  # no way to reach them
    ("training", "Staff will receive safeguarding training appropriate to their role."),  # no induction or refresher
    ("policy-review", "This policy will be reviewed as necessary in the light of changes to legislation."),  # no cycle
    ("information-sharing", "Information about a vulnerable adult is shared with other agencies on a need to know basis."),
])
def test_thresholds_of_the_labelling_guide_give_partial(catalogue, requirement, text):
    assert catalogue.assess(requirement, _found(catalogue, text)) == PARTIAL


def test_negation_cues_exclude_topics_but_instructions_are_not_exclusions(catalogue):
    assert catalogue.negated("This policy does not cover children.")
    assert catalogue.negated("Safeguarding training is not included in this contract.")
    assert catalogue.concepts_in("Safeguarding training is not included in this contract.") == frozenset()
    for exclusion in ("Making Safeguarding Personal is not addressed in this policy.", "Staff do not carry out capacity assessments.",
                      "We are not represented on the Safeguarding Adults Board.", "Loneliness is a matter for their GP."):
        assert catalogue.negated(exclusion), exclusion
    for instruction in ("Staff must not investigate.", "Do not delay reporting a concern.", "Never promise to keep a secret.",
                        "Do not carry out your own investigation.", "If the person does not want a referral, record why."):
        assert not catalogue.negated(instruction), instruction
    assert "not-investigate" in catalogue.concepts_in("Staff must not investigate the abuse themselves.")
    assert all(len(cue.split()) >= 2 for cue in catalogue.negation_cues)


def test_synonyms_real_policies_use(catalogue):
    expect = {
        "adult-at-risk": ["adults at risk", "vulnerable adults", "adults with care and support needs"],
        "mca-named": ["the MCA", "the Mental Capacity Act 2005"],
        "raise-concern": ["raise a concern", "make an alert", "make a safeguarding referral", "report it to social services"],
        "independent-advocate": ["an IMCA", "an independent advocate"],
        "sab": ["the SAB", "the Safeguarding Adults Board", "the Safeguarding Adults Partnership"],
        "s42-enquiry": ["section 42", "s.42", "s42"],
        "msp-named": ["Making Safeguarding Personal", "MSP"],
        "person-led": ["person-led", "person centred"],
        "asks-desired-outcomes": ["we ask what outcomes they want"],
        "self-neglect": ["self-neglect", "self neglect", "hoarding"],
        "cuckooing": ["cuckooing"],
        "coercive-control": ["coercive control", "controlling or coercive behaviour"],
    }
    for cid, phrases in expect.items():
        for phrase in phrases:
            assert cid in catalogue.concepts_in(f"This covers {phrase} where there is abuse."), (cid, phrase)
    assert "self-neglect" not in catalogue.concepts_in("An advertising hoarding went up on the site.")


def test_curly_quotes_and_non_breaking_hyphens_are_read_as_plain(catalogue):
    assert "self-neglect" in catalogue.concepts_in("Self\u2011neglect is common.")
    assert "own-decisions" in catalogue.concepts_in("We respect the person\u2019s decisions.")


# --------------------------------------------------------------------------- broken copies fail clearly


def test_a_folder_copy_loads(copy):
    assert len(load_catalogue(copy.folder).paragraphs) == 59


def test_unknown_theme_names_the_file_line_and_id(copy):
    folder = copy("paragraphs.yaml", "themes: [wellbeing, making-safeguarding-personal]", "themes: [wellbieng, making-safeguarding-personal]")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    message = str(err.value)
    assert "is inconsistent (1 problem)" in message
    assert re.search(r"paragraphs\.yaml:\d+: paragraphs\[0\] \(1\.1\)\.themes\[0\]: unknown theme 'wellbieng'; did you mean 'wellbeing'\?", message), message


def test_every_inconsistency_is_reported_at_once(copy):
    copy("paragraphs.yaml", "evidence: {must: [scope-unable-protect]", "evidence: {must: [scope-unable-protct]")
    copy("baselines.yaml", '      - "14.10"\n', '      - "14.99"\n')
    folder = copy("numbering.yaml", 'ids_2017: ["14.36"]', 'ids_2017: ["14.360"]')
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    message = str(err.value)
    assert "(3 problems)" in message
    assert "paragraphs.yaml" in message and "unknown concept 'scope-unable-protct'" in message
    assert "baselines.yaml" in message and "unknown paragraph '14.99'" in message
    assert "numbering.yaml" in message and "'14.360' is not a 2016/2017 paragraph" in message


def test_schema_error_names_the_field_and_explains_unquoted_numbers(copy):
    folder = copy("paragraphs.yaml", 'number: "14.10"', "number: 14.10")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    message = str(err.value)
    assert "does not match its schema" in message
    assert "paragraphs.yaml" in message and "(14.10).number: must be of string type" in message
    assert 'put paragraph numbers in quotes, like "14.10"' in message


def test_schema_rejects_unknown_fields_and_stored_derived_fields(copy):
    folder = copy("paragraphs.yaml", "    verification: numbered-secondary\n", "    verification: numbered-secondary\n    verified: true\n")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    assert re.search(r"paragraphs\.yaml:\d+: paragraphs\[0\] \(1\.1\)\.verified: unknown field", str(err.value))


def test_broken_pattern_and_bare_negation_cue_are_reported(copy):
    copy("concepts.yaml", "  - does not cover\n", "  - not\n")
    folder = copy("concepts.yaml", "patterns: ['accountab(le|ility)', 'answerable']", "patterns: ['accountab(le|ility', 'answerable']")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    message = str(err.value)
    assert "'not' is a single word" in message
    assert "concepts.accountability-named.patterns[0]: 'accountab(le|ility' is not a valid regular expression" in message


def test_pattern_matching_empty_text_is_reported(copy):
    folder = copy("concepts.yaml", "patterns: ['accountab(le|ility)', 'answerable']", "patterns: ['accountab(le|ility)', '(answerable)?']")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    assert "'(answerable)?' matches empty text" in str(err.value)


def test_self_assessment_baseline_must_match_the_checklist(copy):
    folder = copy("checklist.yaml", 'requirements: [policy-review]\n', 'requirements: [policy-review, complaints-whistleblowing]\n')
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    message = str(err.value)
    assert "baselines.yaml" in message and "missing from the baseline: complaints-whistleblowing" in message


def test_2014_paragraph_without_a_correspondence_row_is_reported(copy):
    folder = copy("numbering.yaml", '  - id_2014: "2014-14.40"\n    ids_2017: []\n    basis: Unknown.\n', "")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    assert "'2014-14.40' has no row in numbering.yaml correspondences" in str(err.value)


def test_long_easy_read_sentence_is_reported(copy):
    folder = copy("law.yaml", "easy_read: Everyone knows their job.", "easy_read: Everyone who is involved in keeping you safe from abuse and neglect knows exactly what their job is.")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    assert "law.yaml" in str(err.value) and "easy-read sentences need fewer than 15" in str(err.value)


def test_missing_file_and_bad_yaml_are_reported(copy):
    (copy.folder / "themes.yaml").unlink()
    (copy.folder / "law.yaml").write_text("principles: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(copy.folder)
    message = str(err.value)
    assert "cannot be read (2 problems)" in message
    assert "themes.yaml: is missing" in message and "law.yaml:" in message and "is not valid YAML" in message


def test_data_files_listed_are_the_files_shipped():
    shipped = {p.name for p in Path(str(resources.files("msp_docs").joinpath("data", "catalogue"))).glob("*.yaml")}
    assert shipped == set(DATA_FILES) | {"schema.yaml"}


def test_every_basis_of_a_verdict_has_a_measured_confidence(catalogue):
    from msp_docs.catalogue.contents import BASES

    for basis in BASES:
        value, review = catalogue.confidence(basis)
        assert 0 <= value <= 1
        assert review == (value < catalogue.confidence_table["review_below"])
    # A document too short to judge caps every verdict, so all of them are worth a look.
    assert catalogue.confidence("missing-none", few_words=True) == (0.5, True)


def test_a_confidence_file_without_a_basis_is_reported(copy):
    folder = copy("confidence.yaml", "  missing-none:\n", "  missing-nothing:\n")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(folder)
    message = str(err.value)
    assert "has no confidence for the basis 'missing-none'" in message
    assert "'missing-nothing' is not a basis the checker gives" in message


def test_a_rule_may_name_concepts_that_are_enough_alone_and_hints_that_are_only_partial(catalogue):
    protection = catalogue.themes["principle-protection"].evidence
    assert catalogue.assess("principle-protection", {"greatest-need"}) == COVERED  # enough alone
    assert catalogue.assess("principle-protection", {"immediate-danger"}) == PARTIAL  # needs a second
    assert catalogue.assess("principle-protection", {"immediate-danger", "agency-contact"}) == COVERED
    assert "talk-to-person" in catalogue.themes["principle-empowerment"].evidence.hints
    assert catalogue.assess("principle-empowerment", {"talk-to-person"}) == PARTIAL
    assert protection.enough


# --------------------------------------------------------------------------- the matching prefilter

EVAL = Path(__file__).resolve().parent / "eval"


def _evaluation_documents() -> list[Path]:
    return sorted((EVAL / "documents").iterdir()) + sorted((EVAL / "blind" / "documents").iterdir())


def _sentences_the_checker_matches(catalogue, documents=None) -> list[str]:
    """Every distinct text the checker hands to concept matching for ``documents`` (every evaluation document).

    benchmarks/prefilter_libraries.py times the prefilter on these sentences too.
    """
    from msp_docs.check import check_document

    seen: list[str] = []
    original = catalogue._match_concepts

    def spy(text, near, negation):
        seen.append(text)
        return original(text, near, negation)

    catalogue.__dict__["_concepts_alone"] = spy
    try:
        for path in documents if documents is not None else _evaluation_documents():
            check_document(path)
    finally:
        del catalogue.__dict__["_concepts_alone"]
    return list(dict.fromkeys(seen))


@pytest.mark.slow
def test_the_prefilter_finds_exactly_the_concepts_that_matching_every_concept_finds(catalogue):
    # A pure prefilter: it may skip only what cannot match. Over every sentence of every
    # evaluation document, running only the candidate patterns gives the same concepts as
    # searching each concept's whole expression, and the candidates include every match.
    assert len(_evaluation_documents()) >= 50
    texts = _sentences_the_checker_matches(catalogue)
    assert len(texts) > 3000
    prefilter = catalogue._prefilter
    skipped = 0
    for text in texts:
        every = {cid for cid, concept in catalogue.concepts.items() if concept.regex.search(text)}
        assert set(prefilter.matching(text)) == every, text
        candidates = prefilter.candidates(text)
        assert every <= candidates, text
        skipped += len(catalogue.concepts) - len(candidates)
    assert skipped > 0.8 * len(texts) * len(catalogue.concepts)  # and it does skip most of them


def test_a_whole_word_search_without_the_look_behind_finds_what_the_look_behind_finds():
    import re

    from msp_docs.catalogue.concepts import _found_whole_word

    for pattern, text in [
        ("safe", "unsafe, then safe"), ("safe", "unsafe"), ("safe", "safe"), ("safe", "_safe"), ("safe", "é safe"),
        ("safe", "ésafe"), ("a(?<=a)b", "xab ab"), ("abc|bc", "abc"), ("abc|bc", "xbc"), ("s\\.? ?42", "ss42 s. 42"),
    ]:
        expected = re.search(rf"(?<!\w)(?:{pattern})(?!\w)", text) is not None
        assert _found_whole_word(re.compile(rf"(?:{pattern})(?!\w)"), text) == expected, (pattern, text)


def test_the_literals_a_pattern_requires():
    from msp_docs.catalogue.concepts import _required_literals, lower_pattern, whole_word

    def groups(pattern):
        found = _required_literals(whole_word(lower_pattern(pattern)))
        return None if found is None else sorted(sorted(g) for g in found)

    assert groups("abus(e|ive)") == [["abus"]]
    assert groups("stay(ing)? safe") == [[" safe"], ["stay"]]
    # One of each choice must be there, and the rest too; "leader" adds nothing beside "lead".
    assert groups("(senior|strategic) (manager|lead|leader) for safeguarding") == [[" for safeguarding"], ["enior", "trategic"], ["lead", "manager"]]
    assert groups("Care Act( 2014)?") == [["care act"]]
    assert groups("s\\.? ?42") is None  # nothing of three characters every match must have
    assert groups("(abuse|x)") is None  # one choice offers no literal: cannot filter


def test_the_prefilter_is_built_the_same_from_cached_literals(catalogue):
    from msp_docs.catalogue.concepts import _Prefilter, literal_table

    table = literal_table(catalogue.concepts)
    assert json.loads(json.dumps(table)) == table  # plain data, as kept in the cache
    sentence = "staff must report safeguarding concerns to the designated safeguarding lead on the same day"
    assert _Prefilter(catalogue.concepts, table).matching(sentence) == _Prefilter(catalogue.concepts).matching(sentence)
    assert sorted(_Prefilter(catalogue.concepts, table).matching(sentence)) == sorted(
        cid for cid, concept in catalogue.concepts.items() if concept.regex.search(sentence)
    )
