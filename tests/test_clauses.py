"""The clause library: every clause loads, declares what it covers, and renders for every profile."""

from __future__ import annotations

from pathlib import Path

import pytest

from msp_docs.catalogue import load_catalogue
from msp_docs.clauses import DOCUMENT_KINDS, blocks_text, load_library, render_clause
from msp_docs.errors import CatalogueError, TemplateError
from msp_docs.plan import documents_for, plan_document
from msp_docs.profile import load_profile, thaw, validate_data

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))


def test_library_loads_and_every_clause_declares_what_it_covers():
    library = load_library()
    assert len(library.clauses) >= 60
    for clause in library.clauses.values():
        assert clause.documents, clause.id
        assert clause.covers or clause.id in UNCLAIMED, f"{clause.id} covers nothing; say why in UNCLAIMED"


# Clauses that genuinely cover no requirement on their own (practical content such as lone working).
UNCLAIMED = {"pol-legal-framework", "pol-definitions", "pol-references", "leaf-about", "con-lone-working", "con-gas-co", "sa-summary"}


def test_every_id_a_clause_covers_exists_in_the_catalogue():
    catalogue = load_catalogue()
    for clause in load_library().clauses.values():
        unknown = [rid for rid in clause.covers if rid not in catalogue.requirements]
        assert not unknown, f"{clause.id} covers unknown ids {unknown}"


def test_every_document_kind_has_clauses():
    library = load_library()
    for kind in DOCUMENT_KINDS:
        assert library.for_document(kind, "gas"), kind


@pytest.mark.parametrize("profile_path", PROFILES, ids=[p.stem for p in PROFILES])
def test_every_clause_renders_for_every_example_profile(profile_path):
    profile = load_profile(profile_path)
    rendered = 0
    for spec in documents_for(profile):
        plan = plan_document(profile, spec)
        for clause in plan.clauses:
            blocks = render_clause(clause, plan.context).blocks
            text = "\n".join(blocks_text(blocks))
            assert text.strip(), f"{clause.id} rendered empty"
            for artefact in ("{{", "{%", "}}", "\ue000", "\ue001", " ,", "( ", " )", "..", "the the "):
                assert artefact not in text, f"{clause.id} for {profile_path.stem}: template artefact {artefact!r} in {text!r}"
            rendered += 1
    assert rendered >= 40


def test_clause_file_errors_name_the_file(tmp_path):
    (tmp_path / "bad-clause.md").write_text("---\nid: bad-clause\ntitle: x\ndocuments: [nowhere]\norder: 1\ncovers: {}\n---\nBody\n", encoding="utf-8")
    (tmp_path / "wrong-name.md").write_text("---\nid: other\ntitle: x\ndocuments: [policy]\norder: 1\ncovers: {}\n---\nBody\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_library(str(tmp_path))
    message = str(err.value)
    assert "bad-clause.md: documents must be a non-empty list" in message
    assert "wrong-name.md: the file name must be the clause id" in message


def test_missing_profile_field_is_named(tmp_path):
    (tmp_path / "pol-typo.md").write_text("---\nid: pol-typo\ntitle: T\ndocuments: [policy]\norder: 1\ncovers: {}\n---\nLead: {{ people.operational_lead.emial }}\n", encoding="utf-8")
    library = load_library(str(tmp_path))
    profile = load_profile(PROFILES[0])
    spec = documents_for(profile, ["policy"])[0]
    plan = plan_document(profile, spec, library=library)
    with pytest.raises(TemplateError) as err:
        render_clause(plan.clauses[0], plan.context)
    assert "'people.operational_lead.emial' is not in the profile" in str(err.value)
    assert "pol-typo" in str(err.value)


def test_profile_text_is_literal_never_template_code():
    profile = load_profile(PROFILES[0])
    data = thaw(profile.data)
    data["organisation"]["name"] = "{{ 7*7 }} **Star** | Homes {% if true %}x{% endif %}"
    odd = validate_data(data, profile.lines, profile.path)
    spec = documents_for(odd, ["policy"])[0]
    plan = plan_document(odd, spec)
    texts = "\n".join(t for c in plan.clauses for t in blocks_text(render_clause(c, plan.context).blocks))
    assert "{{ 7*7 }} **Star** | Homes {% if true %}x{% endif %}" in texts
    assert "49" not in texts.split("{{ 7*7 }}")[0][-5:]


def test_sandbox_blocks_python_internals(tmp_path):
    (tmp_path / "pol-escape.md").write_text(
        "---\nid: pol-escape\ntitle: T\ndocuments: [policy]\norder: 1\ncovers: {}\n---\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n",
        encoding="utf-8",
    )
    library = load_library(str(tmp_path))
    profile = load_profile(PROFILES[0])
    plan = plan_document(profile, documents_for(profile, ["policy"])[0], library=library)
    with pytest.raises(TemplateError):
        render_clause(plan.clauses[0], plan.context)
