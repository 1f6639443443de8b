"""Reading YAML safely: text stays text, lines are kept, hostile files are refused."""

from __future__ import annotations

import pytest

from msp_docs import yamlfile


def test_plain_scalars_stay_text_and_keep_leading_zeros():
    doc = yamlfile.loads("a: 04827\nb: 3.10\nc: 2026-04-01\nd: yes\ne: true\nf: null\n")
    assert doc.data == {"a": "04827", "b": "3.10", "c": "2026-04-01", "d": "yes", "e": True, "f": None}


def test_lines_are_recorded_for_keys_and_list_items():
    doc = yamlfile.loads("top:\n  inner: 1\nitems:\n  - x: 1\n  - y: 2\n")
    assert doc.lines[("top",)] == 1
    assert doc.lines[("top", "inner")] == 2
    assert doc.lines[("items", 1)] == 5
    assert doc.lines[("items", 1, "y")] == 5
    assert doc.line_of(("items", 1, "y", "missing")) == 5


def test_alias_bomb_is_refused_without_expanding(profile_fixture):
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.load(profile_fixture("alias-bomb.yaml"))
    assert "alias bomb" in str(err.value)


def test_deep_nesting_is_refused():
    text = "a: " + "[" * 200 + "]" * 200 + "\n"
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.loads(text)
    assert "nested too deeply" in str(err.value)


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nname: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.load(path)
    assert err.value.problem.line == 2
    assert "not UTF-8" in str(err.value) and "save it as UTF-8" in str(err.value)


def test_utf16_is_explained(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes("a: 1\n".encode("utf-16"))
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.load(path)
    assert "UTF-16" in str(err.value)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: b\n".encode("utf-8"))
    assert yamlfile.load(path).data == {"a": "b"}


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"a: " + b"x" * (yamlfile.MAX_FILE_BYTES + 1))
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.load(path)
    assert "may be at most" in str(err.value)


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.load(tmp_path)
    assert "is a folder" in str(err.value)
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.load(tmp_path / "nope.yaml")
    assert "no such" in str(err.value)


@pytest.mark.parametrize("depth", [41, 500, 20_000])
def test_deep_nesting_names_line_and_field_at_any_depth(depth):
    # Past a few hundred levels composing the document runs out of stack; the refusal must
    # still say where, without a RecursionError.
    text = "top:\n  list:\n    - {a: " + "{b: [" * depth + "1" + "]}" * depth + "}\n"
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.loads(text, file="p.yaml")
    problem = err.value.problem
    assert (problem.file, problem.line) == ("p.yaml", 3)
    assert problem.field.startswith("top.list[0].a.b[0].b[0]")
    assert "nested too deeply" in problem.message


@pytest.mark.parametrize(
    "value, tag",
    [
        ("!!binary AAAA", "!!binary"),
        ("!!set {a}", "!!set"),
        ("!custom x", "!custom"),
        ('!!python/object/apply:os.system ["echo"]', "!!python/object/apply:os.system"),
        ("!!python/name:os.system", "!!python/name:os.system"),
        ("!t {a: 1}", "!t"),
    ],
)
def test_tags_are_refused_with_line_and_field(value, tag):
    # Without this a tagged value reached the documents as a Python repr such as "b'\x00'".
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.loads(f"org:\n  name: {value}\n", file="p.yaml")
    problem = err.value.problem
    assert (problem.line, problem.field) == (2, "org.name")
    assert f"uses the YAML tag '{tag}'" in problem.message and "plain text" in problem.message


def test_harmless_tags_keep_their_text():
    doc = yamlfile.loads("a: !!str 0012\nb: !!int 5\nc: !!timestamp 2026-04-01\n")
    assert doc.data == {"a": "0012", "b": "5", "c": "2026-04-01"}


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\x85", "\x9f", "\ufffe"])
def test_control_characters_typed_into_the_file_name_line_and_field(char):
    # YAML refused most of these without a line, and silently turned U+0085 into a space.
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.loads(f"org:\n  kind: x\n  name: Star{char}Homes\n", file="p.yaml")
    problem = err.value.problem
    assert (problem.file, problem.line, problem.field) == ("p.yaml", 3, "org.name")
    assert f"U+{ord(char):04X}" in problem.message and "delete it" in problem.message


# --------------------------------------------------------------------------- writing

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Any text a person can type into a form: letters, punctuation, symbols, emoji, spaces, tabs and
# line breaks; not control characters, which profiles refuse anyway.
_TYPED = st.text(st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\n\t"), max_size=60)


@given(value=_TYPED, key=st.sampled_from(["name", "phone", "address"]))
@settings(max_examples=300, deadline=None)
def test_dumps_then_loads_gives_back_exactly_what_was_typed(value, key):
    text = yamlfile.dumps({key: value, "items": [value, {"inner": value}]})
    assert yamlfile.loads(text).data == {key: value, "items": [value, {"inner": value}]}


@pytest.mark.parametrize(
    "value",
    ["04827", "01632 960123", "yes", "no", "on", "off", "Y", "null", "~", "true", "2026-04-01", "3.10", "1:20", "0x1F", "1e3",
     "Harbour & Vale <Homes>", "\"quoted\" and 'single'", "Zoë Brontë-Ñúñez 🏠", "- dash", "key: value", "# hash", " leading space",
     "line one\nline two", "line one\nline two\n", "@at", "*star", "!bang", "%percent", "{brace}", "[bracket]", "`tick`"],
)
def test_dumps_quotes_whatever_a_yaml_reader_could_misread(value):
    from ruamel.yaml import YAML

    text = yamlfile.dumps({"value": value})
    assert yamlfile.loads(text).data == {"value": value}
    # A standard YAML 1.2 reader, and a YAML 1.1 one, read the same text (not a number, date or boolean).
    assert YAML(typ="safe").load(text) == {"value": value}
    yaml11 = YAML(typ="safe")
    yaml11.version = (1, 1)
    assert yaml11.load(text) == {"value": value}


def test_dumps_writes_numbers_booleans_dates_and_a_header():
    import datetime as dt

    text = yamlfile.dumps({"months": 24, "trained": True, "approved": dt.date(2026, 4, 1)}, header="Written by msp-docs\nsecond line")
    assert text.splitlines() == ["# Written by msp-docs", "# second line", "months: 24", "trained: true", "approved: 2026-04-01"]


def test_dumps_leaves_ruamels_own_representer_alone():
    import io

    from ruamel.yaml import YAML

    yamlfile.dumps({"a": "yes"})
    out = io.StringIO()
    YAML(typ="rt").dump({"a": "yes"}, out)
    assert out.getvalue() == "a: yes\n"


def test_decode_names_the_file_for_bad_encodings():
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.decode("name: Caf\xe9\n".encode("latin-1"), file="upload.yaml")
    assert err.value.problem.file == "upload.yaml" and "not UTF-8" in str(err.value)
    with pytest.raises(yamlfile.YamlReadError) as err:
        yamlfile.decode(b"x" * 11, file="big.yaml", max_bytes=10)
    assert "at most 10 bytes" in str(err.value)
    assert yamlfile.decode("\ufeffname: Zoë\n".encode("utf-8")) == "name: Zoë\n"
