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
