"""Planning: which documents a profile gets, which clauses each has, and baseline coverage."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from msp_docs.catalogue import load_catalogue
from msp_docs.errors import OptionError
from msp_docs.plan import documents_for, plan_document, review_date
from msp_docs.profile import freeze, load_profile, thaw, validate_data

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))


def test_one_contract_document_per_service():
    profile = load_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml")
    names = [s.name for s in documents_for(profile)]
    assert names == ["policy", "procedure", "contract-repairs", "contract-gas", "contract-building-management", "self-assessment", "leaflet"]
    gas = documents_for(profile, ["contract-gas"])[0]
    assert gas.title == "Safeguarding schedule: Gas servicing and repairs"
    assert [s.name for s in documents_for(profile, ["contract"])] == ["contract-repairs", "contract-gas", "contract-building-management"]


def test_unknown_only_suggests():
    profile = load_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml")
    with pytest.raises(OptionError) as err:
        documents_for(profile, ["contract-building-managment"])
    assert "did you mean 'contract-building-management'" in str(err.value) and "contract-repairs" in str(err.value)
    eastmoor = load_profile(ROOT / "profiles" / "eastmoor-district-council.yaml")
    with pytest.raises(OptionError) as err:
        documents_for(eastmoor, ["contract-lifts"])
    assert "choose from policy, procedure, contract-repairs, contract-gas, self-assessment, leaflet" in str(err.value)


@pytest.mark.parametrize("profile_path", PROFILES, ids=[p.stem for p in PROFILES])
def test_every_baseline_is_covered_for_every_example_profile(profile_path):
    profile = load_profile(profile_path)
    catalogue = load_catalogue()
    for spec in documents_for(profile):
        plan = plan_document(profile, spec)
        assert plan.required == catalogue.baseline(spec.baseline)
        assert plan.uncovered == (), f"{profile_path.name} {spec.name} misses {plan.uncovered}"
        assert not plan.skipped


def test_excluding_a_clause_opens_exactly_its_gap():
    profile = load_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml")
    data = thaw(profile.data)
    data["documents"]["exclude_clauses"] = ["pol-advocacy"]
    trimmed = validate_data(data, profile.lines, profile.path)
    plan = plan_document(trimmed, documents_for(trimmed, ["policy"])[0])
    full = plan_document(profile, documents_for(profile, ["policy"])[0])
    advocacy_only = {rid for rid, clauses in full.covered_by.items() if clauses == ("pol-advocacy",) and rid in full.required}
    assert advocacy_only, "pol-advocacy should be the only policy clause for some requirement"
    assert set(plan.uncovered) == advocacy_only
    assert ("pol-advocacy", "left out by documents.exclude_clauses in the profile") in plan.skipped


def test_unknown_excluded_clause_is_an_error():
    # Validation refuses an unknown clause id (see test_profile); planning still refuses one
    # in a profile built without validation.
    profile = load_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml")
    data = thaw(profile.data)
    data["documents"]["exclude_clauses"] = ["pol-advocasy"]
    unchecked = dataclasses.replace(profile, data=freeze(data))
    with pytest.raises(OptionError) as err:
        plan_document(unchecked, documents_for(unchecked, ["policy"])[0])
    assert "did you mean 'pol-advocacy'" in str(err.value)


@pytest.mark.parametrize(
    "approved, months, expected",
    [(dt.date(2026, 4, 1), 12, dt.date(2027, 4, 1)), (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)), (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28))],
)
def test_review_date(approved, months, expected):
    assert review_date(approved, months) == expected


def test_cite_uses_2014_numbering_only_where_known():
    profile = load_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml")
    data = thaw(profile.data)
    data["documents"]["cite_edition"] = "2014"
    older = validate_data(data, profile.lines, profile.path)
    cite = plan_document(older, documents_for(older, ["policy"])[0]).context["cite"]
    assert cite("14.13") == "CSSG paragraph 14.13"
    assert "(2014 numbering)" in cite("14.36")
    assert cite("14.52") == "CSSG paragraph 14.52"
    current = plan_document(profile, documents_for(profile, ["policy"])[0]).context["cite"]
    assert current("14.36", "14.37") == "CSSG paragraphs 14.36 and 14.37"
