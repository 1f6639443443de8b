"""Organisation profiles: every problem reported at once with file, line, field and a fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from msp_docs.errors import ProfileError
from msp_docs.profile import KINDS, load_profile, slugify, starter_profile, thaw, validate_data


def problems_of(path) -> list[str]:
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    return [str(p) for p in err.value.problems]


def test_example_profiles_are_valid(example_profile):
    profile = load_profile(example_profile)
    assert profile.name
    assert profile.data["areas"], "every example works in at least one area"


def test_example_names_include_ampersand_and_apostrophe():
    names = [load_profile(p).name for p in Path(__file__).resolve().parent.parent.joinpath("profiles").glob("*.yaml")]
    assert any("&" in n and "'" in n for n in names)


def test_values_are_kept_exactly_and_typed_by_the_schema():
    profile = load_profile(Path(__file__).resolve().parent.parent / "profiles" / "kingsmead-st-annes.yaml")
    assert profile.data["organisation"]["registration_number"] == "04827"
    assert profile.data["governance"]["policy_version"] == "3.1"
    assert profile.data["governance"]["approval_date"] == dt.date(2026, 4, 1)
    assert profile.data["workforce"]["refresher_interval_months"] == 24
    assert profile.data["people"]["operational_lead"]["name"] == "Siobhán Ó Briain"


def test_optional_fields_are_filled_with_null():
    profile = load_profile(Path(__file__).resolve().parent.parent / "profiles" / "flameguard-gas-services.yaml")
    assert profile.data["organisation"]["email"] is None
    assert profile.data["areas"][1]["mash"] is None
    assert profile.data["records"]["information_sharing_agreements"] == ()


def test_profile_is_frozen():
    profile = load_profile(Path(__file__).resolve().parent.parent / "profiles" / "kingsmead-st-annes.yaml")
    with pytest.raises(TypeError):
        profile.data["organisation"]["name"] = "x"  # type: ignore[index]


def test_invalid_email_names_file_line_field_and_fix(profile_fixture):
    (problem,) = problems_of(profile_fixture("lead-email-invalid.yaml"))
    assert problem.endswith(
        "lead-email-invalid.yaml:45: people.operational_lead.email: 'jo@' is not an email address; write it like name@example.org.uk"
    )


def test_missing_field_points_at_its_parent_and_says_what_to_add(profile_fixture):
    (problem,) = problems_of(profile_fixture("lead-missing-email.yaml"))
    assert ":41: people.operational_lead.email: is missing; add it (Email address." in problem


def test_unknown_key_suggests_the_near_miss(profile_fixture):
    (problem,) = problems_of(profile_fixture("unknown-key-typo.yaml"))
    assert ":19: organisation.legal_nme: unknown field 'legal_nme'; did you mean 'legal_name'?" in problem


def test_unknown_excluded_clause_is_caught_by_validation(tmp_path):
    text = (Path(__file__).resolve().parent.parent / "profiles" / "kingsmead-st-annes.yaml").read_text(encoding="utf-8")
    path = tmp_path / "typo.yaml"
    path.write_text(text.replace("  exclude_clauses: []", "  exclude_clauses: [pol-advocasy]"), encoding="utf-8")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:")
    assert "documents.exclude_clauses[0]: 'pol-advocasy' is not a clause in the library; did you mean 'pol-advocacy'?" in problem


@pytest.mark.parametrize("date", ["9999-12-31", "0001-04-01"])
def test_approval_date_in_an_impossible_year_is_a_problem(tmp_path, date):
    # 9999-12-31 made working out the review date fail with an internal error.
    text = (Path(__file__).resolve().parent.parent / "profiles" / "kingsmead-st-annes.yaml").read_text(encoding="utf-8")
    path = tmp_path / "year.yaml"
    path.write_text(text.replace("  approval_date: 2026-04-01", f"  approval_date: {date}"), encoding="utf-8")
    (problem,) = problems_of(path)
    assert f"governance.approval_date: {date} is not a year between 1900 and 2999; check the year" in problem


def test_carriage_return_in_a_value_is_a_problem(tmp_path):
    # Word templates would print it as a line feed: the text could not appear as typed.
    text = (Path(__file__).resolve().parent.parent / "profiles" / "kingsmead-st-annes.yaml").read_text(encoding="utf-8")
    path = tmp_path / "cr.yaml"
    path.write_text(text.replace("  name: Kingsmead & St Anne's Housing\n", '  name: "Kingsmead\\rHousing"\n', 1), encoding="utf-8")
    (problem,) = problems_of(path)
    assert "organisation.name: contains a control character (U+000D)" in problem


def test_every_problem_is_reported_at_once(profile_fixture):
    problems = problems_of(profile_fixture("several-problems.yaml"))
    assert len(problems) == 3
    joined = "\n".join(problems)
    assert "governance: is missing" in joined
    assert "organisation.kind: 'housing-asociation' is not allowed" in joined and "did you mean 'housing-association'" in joined
    assert "people.operational_lead.email: 'jo@'" in joined


def test_wrong_types_say_what_is_expected(profile_fixture):
    problems = "\n".join(problems_of(profile_fixture("wrong-types.yaml")))
    assert "workforce.refresher_interval_months: 'every two years' is not a whole number" in problems
    assert "workforce.mca_training: is 'sometimes', but must be true or false" in problems
    assert "governance.approval_date: '1st April 2026' is not a date written as YYYY-MM-DD" in problems


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("empty.yaml", "is empty; a profile needs content"),
        ("only-comments.yaml", "is empty; a profile needs content"),
        ("syntax-error-unclosed-bracket.yaml", ":21: is not valid YAML"),
        ("tab-indentation.yaml", ":19: uses a tab for indentation; YAML needs spaces"),
        ("name-control-character.yaml", "organisation.name: contains a control character (U+0007)"),
        ("duplicate-key.yaml", ":20: the key 'legal_name' appears twice in the same block; keep one"),
        ("alias-bomb.yaml", "a YAML alias bomb?"),
        ("top-level-list.yaml", "must be a mapping of fields"),
        ("two-documents.yaml", "holds more than one YAML document"),
    ],
)
def test_unreadable_profiles_give_one_clear_message(profile_fixture, fixture, expected):
    problems = problems_of(profile_fixture(fixture))
    assert len(problems) == 1
    assert expected in problems[0]
    assert fixture in problems[0]


def test_comma_inside_flow_mapping_gets_a_hint(tmp_path):
    text = starter_profile().replace(
        '2a: {answer: in-progress, evidence: Policy being rewritten with msp-docs.}',
        '2a: {answer: in-progress, evidence: Policy being rewritten, with msp-docs.}',
    )
    path = tmp_path / "comma.yaml"
    path.write_text(text, encoding="utf-8")
    (problem,) = problems_of(path)
    assert "put the whole value in quotes" in problem


def test_starter_profile_is_valid_for_every_kind(tmp_path):
    for kind in KINDS:
        path = tmp_path / f"{kind}.yaml"
        path.write_text(starter_profile(kind), encoding="utf-8")
        assert load_profile(path).data["organisation"]["kind"] == kind


def test_logo_must_exist_and_be_an_image(tmp_path):
    text = starter_profile().replace("  # logo:                            # optional PNG or JPEG, relative to this file\n  #   path: logo.png\n  #   alt_text: Example Housing logo", "  logo:\n    path: logo.png\n    alt_text: Example Housing logo")
    path = tmp_path / "logo.yaml"
    path.write_text(text, encoding="utf-8")
    assert "logo.path: 'logo.png' was not found" in problems_of(path)[0]
    (tmp_path / "logo.png").write_bytes(b"not really a png")
    assert "is not a readable PNG or JPEG image" in problems_of(path)[0]
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    assert load_profile(path).data["organisation"]["logo"]["alt_text"] == "Example Housing logo"


def test_validate_data_accepts_thawed_profile_round_trip():
    profile = load_profile(Path(__file__).resolve().parent.parent / "profiles" / "eastmoor-district-council.yaml")
    again = validate_data(thaw(profile.data), profile.lines, profile.path)
    assert again.data == profile.data


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Kingsmead & St Anne's Housing", "kingsmead-and-st-annes-housing"),
        ("Eastmoor District Council – Housing Services", "eastmoor-district-council-housing-services"),
        ("Zoë's Homes", "zoes-homes"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_slugify_falls_back_to_a_hash_for_non_latin_names():
    slug = slugify("مساكن الأمل")
    assert slug.startswith("organisation-") and len(slug) == len("organisation-") + 8


def test_docs_profile_reference_is_up_to_date():
    from msp_docs.profile import profile_reference

    docs = (Path(__file__).resolve().parent.parent / "docs" / "profile.md").read_text(encoding="utf-8")
    assert docs == profile_reference(), "docs/profile.md is stale: regenerate it (command at the top of the file)"


def test_docs_profile_reference_mentions_every_field_of_the_starter():
    from msp_docs.profile import profile_reference

    reference = profile_reference()
    for field in ("people.operational_lead.email", "areas[].adult_social_care.online_form", "contracts[].reporting_timescale_hours", "self_assessment.<item>.answer"):
        assert f"`{field}`" in reference


# --------------------------------------------------------------------------- the profile as form fields

from msp_docs import yamlfile  # noqa: E402
from msp_docs.profile import FormField, field_path, form_fields, load_profile_text, profile_from_form, profile_yaml, schema_document  # noqa: E402


def _form_values(field_list, data, prefix="") -> dict:
    """What a browser sends for a form filled with ``data`` (the inverse of profile_from_form)."""
    out: dict = {}
    for f in field_list:
        path = f"{prefix}.{f.name}" if prefix else f.name
        value = (data or {}).get(f.name)
        if value is None:
            continue
        if f.kind == "group":
            out.update(_form_values(f.children, value, path))
        elif f.kind == "rows":
            for i, row in enumerate(value):
                out.update(_form_values(f.children, row, f"{path}.{i}"))
        elif f.kind == "keyed":
            for key, answers in value.items():
                out.update(_form_values(f.children, answers, f"{path}.{key}"))
        elif f.kind == "checkboxes":
            out[path] = list(value)
        elif f.kind == "lines":
            out[path] = "\r\n".join(value)  # browsers send CR LF from a text box
        elif isinstance(value, bool):
            out[path] = "true" if value else "false"
        else:
            out[path] = str(value).replace("\n", "\r\n")
    return out


def _every_schema_path(schema: dict, prefix: str = "") -> set[str]:
    paths = set()
    for name, rules in schema.items():
        path = f"{prefix}.{name}" if prefix else name
        paths.add(path)
        if rules.get("type") == "dict" and isinstance(rules.get("schema"), dict):
            paths |= _every_schema_path(rules["schema"], path)
        elif rules.get("type") == "list" and (rules.get("schema") or {}).get("type") == "dict":
            paths |= _every_schema_path(rules["schema"]["schema"], path + ".0")
        elif "valuesrules" in rules:
            paths |= _every_schema_path(rules["valuesrules"]["schema"], path + ".1a")
    return paths


def _every_form_path(field_list, prefix: str = "") -> set[str]:
    paths = set()
    for f in field_list:
        path = f"{prefix}.{f.name}" if prefix else f.name
        paths.add(path)
        inner = {"rows": path + ".0", "keyed": path + ".1a", "group": path}.get(f.kind)
        if inner:
            paths |= _every_form_path(f.children, inner)
    return paths


def test_form_fields_cover_every_field_of_the_schema_with_a_label_and_a_kind():
    assert _every_form_path(form_fields()) == _every_schema_path(schema_document()["schema"])

    def walk(field_list):
        for f in field_list:
            assert isinstance(f, FormField) and f.label and f.kind
            yield f
            yield from walk(f.children)

    fields = {f.name: f for f in walk(form_fields())}
    assert fields["kind"].kind == "choice" and "almo" in fields["kind"].choices
    assert fields["address"].kind == "textarea" and "Postal address" in fields["address"].hint
    assert fields["schema_version"].kind == "fixed" and fields["schema_version"].choices == ("1",)
    assert fields["induction_training"].kind == "boolean"
    assert fields["approval_date"].kind == "date"
    assert fields["trained_roles"].kind == "lines"
    assert fields["services"].kind == "checkboxes" and "imca" in fields["services"].choices
    assert fields["deputies"].kind == "rows" and fields["deputies"].item_label == "Deputy"
    assert fields["mash"].optional_group and fields["mash"].label.startswith("MASH")
    assert fields["self_assessment"].kind == "keyed" and fields["self_assessment"].keys[0][0] == "1a"
    assert "For example: Aisha Khan" in next(c for c in fields["strategic_lead"].children if c.name == "name").hint


def test_every_example_profile_survives_the_form_round_trip(example_profile):
    original = load_profile(example_profile)
    raw = yamlfile.load(example_profile).data
    values = _form_values(form_fields(), raw)
    text = profile_yaml(profile_from_form(values))
    again = load_profile_text(text, file="saved.yaml")
    assert thaw(again.data) == thaw(original.data)


def test_typed_characters_survive_exactly_through_the_form_and_the_yaml():
    raw = yamlfile.load(Path(__file__).parent / "fixtures" / "profiles" / "valid-starter.yaml").data
    values = _form_values(form_fields(), raw)
    typed = {
        "organisation.name": "Harbour & Vale <Homes> \"Zoë's\" 🏠",
        "organisation.registration_number": "04827",
        "organisation.phone": "01632 960123",
        "organisation.address": "1 Quay Street\r\nPortwell\r\nPW1 2AB",
        "people.operational_lead.name": "Siân O'Brien-Łukasz",
        "governance.policy_version": "3.10",
        "self_assessment.1a.evidence": "yes",
    }
    values.update(typed)
    values["self_assessment.1a.answer"] = "yes"
    text = profile_yaml(profile_from_form(values))
    profile = load_profile_text(text)
    assert profile.data["organisation"]["name"] == typed["organisation.name"]
    assert profile.data["organisation"]["registration_number"] == "04827"
    assert profile.data["organisation"]["phone"] == "01632 960123"
    assert profile.data["organisation"]["address"] == "1 Quay Street\nPortwell\nPW1 2AB"
    assert profile.data["people"]["operational_lead"]["name"] == typed["people.operational_lead.name"]
    assert profile.data["governance"]["policy_version"] == "3.10"
    assert profile.data["self_assessment"]["1a"]["evidence"] == "yes"
    assert text.startswith("# msp-docs organisation profile")


def test_form_values_become_typed_only_when_nothing_changes():
    data = profile_from_form({
        "schema_version": "1",
        "workforce.refresher_interval_months": "24",
        "workforce.supervision_interval_weeks": "06",
        "workforce.induction_training": "true",
        "governance.approval_date": "2026-04-01",
        "governance.review_interval_months": "twelve",
    })
    assert data["schema_version"] == 1
    assert data["workforce"]["refresher_interval_months"] == 24
    assert data["workforce"]["supervision_interval_weeks"] == "06"  # kept as typed; the schema reads it as 6
    assert data["workforce"]["induction_training"] is True
    assert data["governance"]["approval_date"] == dt.date(2026, 4, 1)
    assert data["governance"]["review_interval_months"] == "twelve"


def test_empty_fields_are_left_out_and_empty_rows_dropped_unless_kept():
    values = {"people.deputies.0.name": "", "people.deputies.3.name": "Jo", "areas.0.mash.name": "", "workforce.trained_roles": "all staff\r\n\r\n  \r\nboard"}
    data = profile_from_form(values)
    assert data["people"]["deputies"] == [{"name": "Jo"}]
    assert "areas" not in data  # its only row was empty (an empty optional MASH block is no content)
    assert data["workforce"]["trained_roles"] == ["all staff", "board"]
    assert "operational_lead" in data["people"] and data["people"]["operational_lead"] == {}  # required: each field is reported
    kept = profile_from_form(values, keep_empty_rows=True)
    assert kept["people"]["deputies"] == [{}, {"name": "Jo"}]


def test_problems_name_the_form_field_they_belong_to():
    values = _form_values(form_fields(), yamlfile.load(Path(__file__).parent / "fixtures" / "profiles" / "valid-starter.yaml").data)
    values["people.operational_lead.email"] = "sam@"
    values["areas.0.local_authority"] = ""
    values["areas.0.adult_social_care.phone"] = ""
    values["areas.0.adult_social_care.email"] = ""
    values["areas.0.adult_social_care.online_form"] = ""
    with pytest.raises(ProfileError) as err:
        load_profile_text(profile_yaml(profile_from_form(values)))
    paths = {field_path(p.field): p.message for p in err.value.problems}
    assert paths["people.operational_lead.email"].startswith("'sam@' is not an email address")
    assert paths["areas.0.local_authority"].startswith("is missing")
    assert "needs at least one of phone, email or online_form" in paths["areas.0.adult_social_care"]


@pytest.mark.parametrize(
    "field, expected",
    [
        ("areas[0].local_authority", "areas.0.local_authority"),
        ("people.deputies[2].email", "people.deputies.2.email"),
        ("workforce.trained_roles[1]", "workforce.trained_roles"),
        ("organisation.nmae", "organisation"),
        ("self_assessment.1a.answer", "self_assessment.1a.answer"),
        ("self_assessment.zz", "self_assessment"),
        ("routes.advocacy_providers[0].services[1]", "routes.advocacy_providers.0.services"),
        (None, None),
        ("unknown_top", None),
    ],
)
def test_field_path(field, expected):
    assert field_path(field) == expected


def test_load_profile_text_reports_yaml_problems_like_a_file():
    with pytest.raises(ProfileError) as err:
        load_profile_text("organisation: [unclosed\n", file="upload.yaml")
    assert err.value.problems[0].file == "upload.yaml" and err.value.problems[0].line is not None


def test_a_schema_cerberus_accepted_before_validates_exactly_as_a_fresh_one():
    # The accepted schema (from the cache) skips only Cerberus' check of the schema itself.
    from msp_docs import profile as module

    accepted = module._accepted_schema()
    fixtures = sorted((Path(__file__).parent / "fixtures" / "profiles").glob("*.yaml")) + sorted((Path(__file__).parent.parent / "profiles").glob("*.yaml"))
    from msp_docs import yamlfile

    compared = 0
    for path in fixtures:
        try:
            data = yamlfile.load(path, what="profile").data
        except yamlfile.YamlReadError:
            continue
        if not isinstance(data, dict):
            continue
        quick = module._validator_class()(accepted, base_dir=path.parent)
        fresh = module._validator_class()(module._cerberus_schema(), base_dir=path.parent)
        assert quick.validate(data) == fresh.validate(data), path.name
        assert quick.errors == fresh.errors, path.name
        assert quick.document == fresh.document, path.name
        compared += 1
    assert compared >= 8
