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
