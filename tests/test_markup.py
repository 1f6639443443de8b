"""The clause markup: blocks, inline formatting, literal values and errors."""

from __future__ import annotations

import pytest

from msp_docs import markup
from msp_docs.markup import TOKEN_CLOSE as C
from msp_docs.markup import TOKEN_OPEN as O


def test_blocks_of_every_kind():
    text = "Intro line one\nline two\n\n- a\n  - nested\n- b\n\n1. one\n2. two\n\n> plain\n\n## Sub\n\n| A | B |\n|---|---|\n| x | !! gap |\n"
    blocks = markup.parse(text)
    kinds = [type(b).__name__ for b in blocks]
    assert kinds == ["Paragraph", "ListItem", "ListItem", "ListItem", "ListItem", "ListItem", "Paragraph", "Heading", "Table"]
    assert markup.plain_text(blocks[0].runs) == "Intro line one line two"
    assert [b.level for b in blocks[1:4]] == [0, 1, 0]
    assert blocks[4].ordered and blocks[4].list_index != blocks[1].list_index
    assert blocks[6].numbered is False
    assert blocks[7].level == 2
    table = blocks[8]
    assert [markup.plain_text(c.runs) for c in table.header] == ["A", "B"]
    assert table.rows[0][1].highlight and markup.plain_text(table.rows[0][1].runs) == "gap"


def test_bold_italic_and_escapes():
    (para,) = markup.parse("Say **this** and *that*, not \\*this\\*.")
    assert [(r.text, r.bold, r.italic) for r in para.runs] == [("Say ", False, False), ("this", True, False), (" and ", False, False), ("that", False, True), (", not *this*.", False, False)]


def test_literals_are_never_read_as_markup():
    literals = ["**Star** Homes", "A | B", "{{ 7*7 }}", "- not a list", "\\*"]
    text = f"Name: **{O}0{C}**\n\n| Col |\n|---|\n| {O}1{C} |\n\n{O}2{C} and {O}3{C} and {O}4{C}\n"
    blocks = markup.parse(text, literals)
    assert [(r.text, r.bold) for r in blocks[0].runs] == [("Name: ", False), ("**Star** Homes", True)]
    assert markup.plain_text(blocks[1].rows[0][0].runs) == "A | B"
    assert markup.plain_text(blocks[2].runs) == "{{ 7*7 }} and - not a list and \\*"


def test_hard_line_break_and_newlines_in_literals():
    (para,) = markup.parse(f"First\\\nsecond {O}0{C}", ["line1\nline2"])
    assert markup.plain_text(para.runs) == "First\nsecond line1\nline2"


@pytest.mark.parametrize(
    "text, message",
    [
        ("| A |\n| B |\n", "header row followed by a |---| separator"),
        ("| A | B |\n|---|---|\n| only one |\n", "has 1 cells but the header has 2"),
        ("- a\nplain text", "leave a blank line"),
        ("**not closed", "is not closed"),
        (" - odd indent", "multiple of two spaces"),
    ],
)
def test_errors_name_the_line(text, message):
    with pytest.raises(markup.MarkupError) as err:
        markup.parse(text)
    assert message in str(err.value)
    assert err.value.line >= 1
