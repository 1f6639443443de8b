"""The checker agrees with the hand-labelled evaluation set (tests/eval): at least 90% overall, and
no covered verdict on the documents that are not about adult safeguarding."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EVAL = Path(__file__).resolve().parent / "eval"
TARGET = 0.90


@pytest.fixture(scope="module")
def result() -> dict:
    spec = importlib.util.spec_from_file_location("eval_evaluate", EVAL / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    outcome = module.evaluate()
    for split, s in outcome["summary"].items():
        print(f"{split:8} {s['agree']}/{s['judgements']} agreement {100 * s['agreement']:.1f}%")
    print("label->checker:", ", ".join(f"{k} {v}" for k, v in outcome["confusion"].items()))
    return outcome


def test_every_label_is_judged(result):
    # 18 documents x 23 themes; a document that failed to load would shrink this.
    assert result["summary"]["all"]["judgements"] == 18 * 23
    assert result["summary"]["dev"]["judgements"] + result["summary"]["holdout"]["judgements"] == 18 * 23


def test_overall_agreement_with_the_labels_is_at_least_90_percent(result):
    agreement = result["summary"]["all"]["agreement"]
    wrong = [f"{r['file']} {r['theme']}: label {r['label']}, checker {r['got']}" for r in result["rows"] if r["label"] != r["got"]]
    assert agreement >= TARGET, f"agreement {agreement:.1%} < {TARGET:.0%}; disagreements:\n" + "\n".join(wrong)


def test_no_covered_verdict_on_the_unrelated_documents(result):
    covered = [f"{r['file']} {r['theme']}" for r in result["unrelated_covered"]]
    assert covered == []
    unrelated = {r["file"] for r in result["rows"] if r["kind"] == "unrelated"}
    assert len(unrelated) == 3  # the children's policy, the health and safety policy, the privacy notice


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
