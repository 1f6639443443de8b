"""The checker against careful readers (tests/eval): the floors it must not fall below, and the
general reading rules behind the figures.

The issue's targets (holdout, labels every reader shares: exact >= 95%, presence >= 97%; the
checker agreeing with each single reader as often as the readers agree with each other; 97% of
the verdicts not queued for review right with at most 20% queued) are NOT met yet: the README's
accuracy section gives the measured figures. The floors below are regression guards set just
under the figures measured on 4 December 2026 (185 documents), so a change that makes the checker worse fails;
a change that makes it better should raise them. One target is met and held exactly: no
`covered` verdict on a document that is not about adult safeguarding.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parent / "eval"

# (group, measure) -> floor. Groups are set/split as evaluate.py prints them.
FLOORS = {
    ("all/dev", "shared"): 0.88,
    ("blind/dev", "shared"): 0.87,
    ("project/dev", "shared"): 0.965,
    ("blind/holdout", "shared"): 0.795,
    ("blind/holdout/12-04", "shared"): 0.79,
    ("project/holdout", "shared"): 0.92,
    ("all/holdout", "shared"): 0.805,
    ("all/dev", "presence"): 0.935,
    ("all/holdout", "presence"): 0.895,
}
QUEUE_MOST = 0.25  # share of verdicts queued for review, at most, on any group
DEV_QUEUE_MOST = 0.20  # on dev, where confidence.yaml's review_below is chosen to keep within the limit


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"eval_{name}", EVAL / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(EVAL))
    spec.loader.exec_module(module)
    return module


_evaluate = _module("evaluate")


@pytest.fixture(scope="module")
def result() -> dict:
    outcome = _evaluate.evaluate(("dev", "holdout"))
    _evaluate.print_table(outcome["groups"])
    return outcome


def test_the_evaluation_sets_are_whole_and_every_quote_is_in_its_document():
    validate = _module("validate_labels")
    sys_argv = sys.argv
    try:
        sys.argv = ["validate_labels.py"]
        assert validate.main() == 0  # prints every problem: a missing reading, a quote not in the document
    finally:
        sys.argv = sys_argv


def test_every_document_is_judged_against_at_least_two_readers(result):
    documents = {(r["set"], r["file"]) for r in result["rows"]}
    assert len(documents) >= 18 + 167  # the project set, and the blind set's 167 documents
    assert all(len(r["readings"]) >= 2 for r in result["rows"])
    assert len(result["rows"]) == 23 * len(documents)


@pytest.mark.parametrize(("group", "measure"), sorted(FLOORS))
def test_agreement_with_the_shared_labels_stays_above_its_floor(result, group, measure):
    figures = result["groups"][group]["checker_vs_shared"]
    value = figures["exact"] if measure == "shared" else figures["presence"]
    wrong = [f"{r['file']} {r['theme']}: readers {r['shared']}, checker {r['got']}" for r in result["rows"]
             if group in (f"{r['set']}/{r['split']}", _evaluate.day_group(r)) and r["shared"] and r["shared"] != r["got"]]
    assert value >= FLOORS[(group, measure)], f"{group} {measure} {value:.1%} < {FLOORS[(group, measure)]:.1%}:\n" + "\n".join(wrong[:40])


def test_no_covered_verdict_on_a_document_that_is_not_about_adult_safeguarding(result):
    assert result["groups"]["all/all"]["unrelated_covered"] == []
    unrelated = {r["file"] for r in result["rows"] if r["kind"] == "unrelated"}
    assert len(unrelated) >= 10  # children's, health and safety, privacy, tenancy, enforcement, complaints, ASB, pets...


def test_the_review_queue_holds_the_doubtful_verdicts(result):
    for group in ("all/dev", "all/holdout"):
        g = result["groups"][group]
        assert g["queued_share"] <= QUEUE_MOST, f"{group}: {g['queued_share']:.1%} of verdicts queued"
        # What is not queued must be more often right than the verdicts as a whole.
        assert g["not_queued_right"] >= g["checker_vs_shared"]["exact"] + 0.02, group
    assert result["groups"]["all/dev"]["queued_share"] <= DEV_QUEUE_MOST


# --------------------------------------------------------------------------- the general rules behind the figures

from msp_docs.check import check_document  # noqa: E402

ABOUT_ADULTS = "About this policy\n\nThis policy is about safeguarding adults at risk. It follows the Care Act 2014.\n\n"


def _status(tmp_path, text: str, theme: str) -> str:
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    return check_document(path, baseline="policy").result(theme).status


def test_a_heading_lends_its_subject_to_its_section(tmp_path):
    text = ABOUT_ADULTS + "Safeguarding training\n\nAll staff complete it at induction and every two years.\n"
    assert _status(tmp_path, text, "training") == "covered"


def test_a_heading_alone_is_partial(tmp_path):
    text = ABOUT_ADULTS + "Safeguarding training\n\nAsk your manager.\n"
    assert _status(tmp_path, text, "training") == "partial"


def test_pieces_in_different_sections_do_not_cover(tmp_path):
    text = ABOUT_ADULTS + "Learning\n\nStaff complete adult safeguarding training.\n\nInduction\n\nEvery new starter has an induction every year.\n"
    assert _status(tmp_path, text, "training") == "partial"


def test_an_exclusion_beats_the_heading_that_names_it(tmp_path):
    text = ABOUT_ADULTS + "Advocacy\n\nWe do not provide advocacy.\n"
    assert _status(tmp_path, text, "advocacy") == "missing"


def test_a_cross_reference_is_partial(tmp_path):
    text = ABOUT_ADULTS + "Training\n\nTraining requirements are set out in the Adult Safeguarding Policy, which all staff complete at induction.\n"
    assert _status(tmp_path, text, "training") == "partial"


def test_having_regard_to_a_numbered_section_is_partial(tmp_path):
    text = ABOUT_ADULTS + "Wellbeing\n\nWe have regard to the wellbeing principle in section 1 of the Care Act 2014.\n"
    assert _status(tmp_path, text, "wellbeing") == "partial"


def test_a_passing_mention_in_another_kind_of_document_is_never_covered(tmp_path):
    text = ("Privacy notice\n\nWe may share information without your consent where the law allows it, for example "
            "to protect someone who is at risk of serious harm (safeguarding).\n")
    assert _status(tmp_path, text, "information-sharing") == "partial"


def test_a_childrens_policy_does_not_cover_adult_themes(tmp_path):
    text = ("Safeguarding children policy\n\nAll staff complete safeguarding training at induction and every three years.\n\n"
            "Records about a child must be factual, dated and signed.\n")
    assert _status(tmp_path, text, "training") == "missing"
    assert _status(tmp_path, text, "record-keeping") == "missing"


def test_a_safeguarding_paragraph_in_a_document_about_something_else_does_not_cover_its_review_cycle(tmp_path):
    text = ("# Tenancy Sustainment Policy\n\n## Visits\n\nWe visit new tenants within six weeks.\n\n## Arrears\n\nWe offer money advice.\n\n"
            "## Support\n\nWe refer tenants to support services.\n\n## Letters\n\nWe write in plain English.\n\n"
            "## Vulnerability\n\nIf staff think a tenant may be experiencing abuse or neglect they speak to their manager the same day.\n\n"
            "## Review\n\nThis policy will be reviewed every three years.\n")
    path = tmp_path / "tenancy.md"
    path.write_text(text, encoding="utf-8")
    report = check_document(path)
    assert report.subject == "passing"
    assert report.result("policy-review").status == "missing"  # the cycle is the tenancy policy's own
    assert report.result("reporting-concerns").status == "partial"


def test_contents_lists_version_histories_and_menus_are_no_evidence(tmp_path):
    text = (ABOUT_ADULTS + "Contents\n\n1. Safeguarding training\n2. Whistleblowing\n3. Advocacy\n\n"
            "| Version | Date | Summary of changes |\n|---|---|---|\n| 2.0 | May 2024 | Advocacy and training sections added |\n\n"
            "Home | About us | Complaints | Whistleblowing | Cookies\n")
    path = tmp_path / "doc.md"
    path.write_text(text, encoding="utf-8")
    report = check_document(path)
    for theme in ("training", "advocacy", "complaints-whistleblowing"):
        assert report.result(theme).status == "missing", theme


def test_a_generic_commitment_is_a_passing_mention_of_a_principle(tmp_path):
    text = ABOUT_ADULTS + "Our commitment\n\nWe are committed to protecting adults at risk from abuse and neglect.\n"
    assert _status(tmp_path, text, "principle-protection") == "partial"
    text = ABOUT_ADULTS + "Protection\n\nWe act to protect adults at risk from abuse and neglect: we call 999 when someone is in danger.\n"
    assert _status(tmp_path, text, "principle-protection") == "covered"


def test_a_contractors_code_states_the_contractors_duties(tmp_path):
    text = ("# Code of Conduct for Operatives Working in Residents' Homes\n\n## Safeguarding\n\n"
            "All operatives complete adult safeguarding training at induction and every two years.\n\n"
            "If you are worried that a resident is being abused or neglected, report it to your supervisor the same day.\n")
    path = tmp_path / "code.md"
    path.write_text(text, encoding="utf-8")
    report = check_document(path)
    assert report.baseline == "contract"
    assert report.result("contractors").status == "covered"


def _report(tmp_path, text: str, name: str = "doc.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_document(path)


def test_a_policy_titled_for_another_subject_is_not_about_safeguarding_however_often_it_speaks_of_abuse(tmp_path):
    body = ("## What ASB is\n\nASB includes harassment, hate crime, domestic abuse, verbal abuse and threats.\n\n"
            "## Our approach\n\nWe take reports of abuse and harassment seriously and work with the police.\n\n"
            "## Complaints\n\nIf you are unhappy with how we handled your report, you can make a complaint.\n")
    report = _report(tmp_path, "# Anti-social Behaviour Policy\n\n" + body)
    assert report.subject != "about"
    assert report.result("complaints-whistleblowing").status != "covered"
    assert report.result("principle-partnership").status != "covered"


def test_a_plain_words_page_about_keeping_safe_is_about_safeguarding(tmp_path):
    text = ("# Keeping safe\n\nWe want you to feel safe at home.\n\n## When things are not OK\n\nThings to look out for:\n\n"
            "- someone taking your money or your bank card\n- being hit, hurt or threatened\n"
            "- a partner controlling where you go or who you see\n- being picked on because of who you are\n"
            "- people using your flat to sell drugs (cuckooing)\n\n"
            "We also know that some people stop eating properly or stop looking after their home.\n")
    report = _report(tmp_path, text)
    assert report.subject == "about"
    assert report.result("types-of-abuse").status == "covered"


def test_kinds_of_abuse_named_in_one_sentence_are_partial_and_described_are_covered(tmp_path):
    listed = ABOUT_ADULTS + "Abuse\n\nAbuse can be physical, emotional, sexual or financial, or it can be neglect.\n"
    assert _status(tmp_path, listed, "types-of-abuse") == "partial"
    described = listed + ("Financial abuse includes someone taking a resident's money or pension.\n\n"
                          "Self-neglect is when a person stops looking after themselves or their home.\n")
    assert _status(tmp_path, described, "types-of-abuse") == "covered"
    statutory = ABOUT_ADULTS + ("Abuse\n\nThe kinds of abuse are physical, sexual, psychological, financial, discriminatory, "
                                "organisational and domestic abuse, modern slavery, neglect and self-neglect.\n")
    assert _status(tmp_path, statutory, "types-of-abuse") == "covered"


def test_a_contractors_reporting_deadline_is_a_duty_and_a_hope_is_partial(tmp_path):
    duty = ABOUT_ADULTS + ("Contractors\n\nOur repairs and gas contractors are required to report any concern about abuse or "
                           "neglect to the landlord on the same working day.\n")
    assert _status(tmp_path, duty, "contractors") == "covered"
    hope = ABOUT_ADULTS + ("Contractors\n\nContractors working in our schemes are expected to follow the spirit of this policy "
                           "and to tell the scheme manager if they are worried about a resident.\n")
    assert _status(tmp_path, hope, "contractors") == "partial"


def test_a_check_in_after_a_case_with_an_assistance_programme_is_support_and_supervision_alone_is_partial(tmp_path):
    support = ABOUT_ADULTS + ("Looking after yourself\n\nIf a safeguarding case has upset you, your manager will check in with you "
                              "afterwards, and our Employee Assistance Programme is available 24 hours a day.\n")
    assert _status(tmp_path, support, "supervision") == "covered"
    bare = ABOUT_ADULTS + "Supervision\n\nStaff who deal with safeguarding cases have supervision.\n"
    assert _status(tmp_path, bare, "supervision") == "partial"


def test_a_code_with_a_safeguarding_section_has_its_own_review_cycle_as_a_partial(tmp_path):
    text = ("# Site Team Code of Conduct\n\n## Uniform\n\nWear your uniform and badge at all times.\n\n"
            "## Keys\n\nSign keys in and out.\n\n## Parking\n\nPark only in marked bays.\n\n"
            "## Safeguarding\n\nIf you are worried that a resident is being abused or neglected, tell your supervisor the same day.\n\n"
            "## Review\n\nThis code is reviewed every year by the Head of People.\n")
    report = _report(tmp_path, text)
    assert report.subject == "section"
    assert report.result("policy-review").status == "partial"


def test_a_principle_named_in_a_list_and_put_into_practice_elsewhere_is_covered(tmp_path):
    named = ABOUT_ADULTS + ("Principles\n\nWe follow the six safeguarding principles: empowerment, prevention, proportionality, protection, "
                            "partnership and accountability.\n\n")
    assert _status(tmp_path, named, "principle-empowerment") == "partial"
    practised = named + ("Responding to a concern\n\nWe always seek the person's consent, and we respect their right to make "
                         "their own decisions.\n")
    assert _status(tmp_path, practised, "principle-empowerment") == "covered"
