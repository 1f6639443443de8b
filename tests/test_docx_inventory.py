"""Tests for the docx_inventory helper, on the contract fixtures and on real Word files.

The real files are read in place from ``../shared/real-docx/`` (beside the repository);
they are never copied into the project.  Those tests skip when the folder is absent.
"""
from __future__ import annotations

import importlib.util
import io
import re
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docx_inventory import (  # noqa: E402
    FALLBACK,
    P,
    W_NS,
    assert_preserved,
    diff_preserved,
    inventory,
)

HERE = Path(__file__).resolve().parent
CONTRACTS = HERE / "fixtures" / "contracts"
REPAIRS = CONTRACTS / "repairs-contract.docx"
GAS = CONTRACTS / "gas-servicing-contract.docx"
BUILDING = CONTRACTS / "building-management-contract.docx"
FIXTURES = [REPAIRS, GAS, BUILDING]
from conftest import REAL_DOCX as REAL_DIR  # noqa: E402
REAL = sorted(REAL_DIR.glob("*.docx")) if REAL_DIR.is_dir() else []
needs_real = pytest.mark.skipif(
    not REAL, reason=f"real Word documents not available: {REAL_DIR} is absent (it sits beside the repo)"
)
real_params = pytest.mark.parametrize(
    "path", REAL or [pytest.param(None, marks=needs_real)], ids=lambda p: p.name if p else "absent"
)
WNS = {"w": W_NS}


# ----------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------
def edit_part(path_or_bytes, partname: str, edit) -> bytes:
    """Return the .docx bytes with ``edit(root)`` applied to one XML part."""
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == partname:
                root = etree.fromstring(blob)
                edit(root)
                blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, blob)
    return out.getvalue()


def python_docx_roundtrip(path: Path) -> bytes:
    buf = io.BytesIO()
    docx.Document(str(path)).save(buf)
    return buf.getvalue()


def find_paragraph(root, text: str):
    for p in root.iter(f"{{{W_NS}}}p"):
        if "".join(p.xpath(".//w:t/text()", namespaces=WNS)).startswith(text):
            return p
    raise AssertionError(f"no paragraph starting {text!r}")


def texts(inv) -> list[str]:
    return [p["text"] for p in inv["paragraphs"]]


# ----------------------------------------------------------------------------------
# the fixtures themselves
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_is_small_and_opens_with_python_docx(path):
    assert path.stat().st_size < 200_000
    document = docx.Document(str(path))
    assert document.core_properties.title
    assert document.paragraphs


def test_generator_is_deterministic_and_fixtures_are_current(tmp_path):
    spec = importlib.util.spec_from_file_location("build_contracts", CONTRACTS / "build_contracts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["build_contracts.py", str(tmp_path)])
    for path in FIXTURES:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), (
            f"{path.name} differs from a fresh build: run tests/fixtures/contracts/build_contracts.py"
        )
    for info in zipfile.ZipFile(REPAIRS).infolist():
        assert info.date_time == (2026, 1, 1, 0, 0, 0)


def test_repairs_contract_inventory():
    inv = inventory(REPAIRS)
    paras = inv["paragraphs"]
    headings = [p["text"] for p in paras if p["style"] == "Heading1"]
    assert headings[:3] == ["Definitions and Interpretation", "Term", "The Services"]
    assert len(headings) == 11 and headings[-1] == "Termination"
    # clause numbering comes from the styles (Heading 1 / Heading 2 / Clause Level 3)
    h1 = next(p for p in paras if p["text"] == "Term")
    assert (h1["numId"], h1["ilvl"], h1["num_source"]) == (1, 0, "style")
    assert {(p["numId"], p["ilvl"]) for p in paras if p["style"] == "Heading2"} == {(1, 1)}
    assert {(p["numId"], p["ilvl"]) for p in paras if p["style"] == "ClauseLevel3"} == {(1, 2)}
    schedules = [p for p in paras if p["style"] == "ScheduleHeading"]
    assert [p["text"] for p in schedules] == [
        "Schedule 1 - Specification", "Schedule 2 - Pricing", "Schedule 3 - Key Performance Indicators"]
    assert all((p["numId"], p["num_source"]) == (0, "direct") for p in schedules)
    levels = inv["numbering"][0]["levels"]
    assert levels[:3] == [(0, "decimal", "%1."), (1, "decimal", "%1.%2"), (2, "decimal", "%1.%2.%3")]
    assert inv["numbering"][0]["styles"] == [(0, "Heading1"), (1, "Heading2"), (2, "ClauseLevel3")]
    # merged cells and a repeating header row
    pricing = inv["tables"][0]
    assert (pricing["rows"], pricing["cols"], pricing["header_rows"]) == (9, 4, 2)
    assert (pricing["grid_spans"], pricing["v_merge_restart"], pricing["v_merge_continue"]) == (2, 2, 3)
    # two sections, different first page on the title page
    first, body = inv["sections"]
    assert first["title_page"] and ("header", "first", "EXECUTION VERSION") in first["refs"]
    assert ("header", "default", "Responsive Repairs Contract \u2013 Kingsmead & St Anne's") in body["refs"]
    assert ("footer", "default", "Page 1 of 7") in body["refs"]
    # tracked changes: insertions counted in the text, deletions not
    assert ("del", "Tom Hartwell", "2026-01-13T14:20:00Z", "four") in inv["tracked_changes"]
    clause_4_2 = next(t for t in texts(inv) if t.startswith("The Contractor shall attend each Emergency"))
    assert "within two hours" in clause_4_2 and "four" not in clause_4_2
    inserted = next(t for t in texts(inv) if "safeguarding lead" in t)
    assert ("ins", "Priya Natarajan", "2026-01-12T10:05:00Z", inserted) in inv["tracked_changes"]
    assert ("ins", "Priya Natarajan", "2026-01-12T10:05:00Z", "\u00b6") in inv["tracked_changes"]
    assert [c["author"] for c in inv["comments"]] == ["Priya Natarajan", "Tom Hartwell", "Priya Natarajan"]
    assert len(inv["footnotes"]) == 2 and inv["footnotes"][0].startswith("The Decent Homes Standard")
    assert ("body", r"REF _Ref200311001 \r \h") in inv["fields"]
    assert {("footer", "PAGE"), ("footer", "NUMPAGES")} <= set(inv["fields"])
    assert inv["bookmarks"] == ["_Ref200311001"]
    assert [name for name, _sha in inv["images"]] == ["/word/media/image1.png"]
    assert inv["drawings"][0][1].startswith("Kingsmead & St Anne's Housing logo")


def test_repairs_contract_python_docx_trap_inserted_paragraph():
    """python-docx returns '' for a paragraph that is one tracked insertion; we do not."""
    document = docx.Document(str(REPAIRS))
    ours = texts(inventory(REPAIRS))
    assert len(ours) >= len(document.paragraphs)
    inserted = next(t for t in ours if "safeguarding lead" in t)
    assert not any("safeguarding lead" in p.text for p in document.paragraphs)
    assert inserted.startswith("The Contractor shall report any concern")


def test_gas_contract_inventory():
    inv = inventory(GAS)
    paras = inv["paragraphs"]
    # text box: counted once (the VML fallback copy is skipped)
    box = [p["text"] for p in paras if p["in"] == "textbox"]
    assert box == ["Contract reference",
                   "Quote KSA/GAS/2026/007 on every invoice, landlord's gas safety record and job sheet."]
    assert [(c["tag"], c["alias"], c["text"]) for c in inv["content_controls"]] == [
        ("ContractReference", "Contract reference", "KSA/GAS/2026/007"),
        ("AuthorisedOfficer", "Authorised officer", "Authorised officer: Head of Asset Compliance"),
    ]
    assert "Contract reference: KSA/GAS/2026/007" in texts(inv)
    # typed clause numbers for 1-5, Word numbering (numId 1, starting at 6) for the rest
    assert "3.2\tThe Contractor shall give the resident a copy" in "\n".join(texts(inv))
    numbered = [p["text"] for p in paras if p["numId"] == 1 and p["ilvl"] == 0]
    assert numbered == ["Charges and Invoicing", "Residents", "Insurance", "Termination"]
    assert [p["text"] for p in paras if p["style"] == "ScheduleHeading"] == [
        "Schedule 1 - Service Standards", "Schedule 2 - Pricing", "Schedule 3 - Appliance Register"]
    assert [s["page"]["orient"] for s in inv["sections"]] == ["portrait", "landscape", "portrait"]
    nested = [t for t in inv["tables"] if t["depth"] == 1]
    assert len(nested) == 1 and nested[0]["first_row"] == "Check | Pass standard"
    assert any(p["in"] == "table/table" and p["text"] == "Tightness test" for p in paras)
    assert inv["endnotes"] == ["SI 1998/2451. References to the Regulations include any regulations "
                               "that amend or replace them."]
    # the insertion that spans a paragraph mark: text, mark, text - in reading order
    kinds = [t[3][:6] for t in inv["tracked_changes"]]
    assert kinds[1:] == [", or w", "\u00b6", "4.2\tWh"]


def test_building_contract_inventory():
    inv = inventory(BUILDING)
    used = {p["style"] for p in inv["paragraphs"]}
    assert used == {None, "Heading1", "Heading2"}
    assert set(inv["styles"]) == {"Normal", "Heading1", "Heading2", "DefaultParagraphFont", "TableNormal",
                                  "NoList"}
    assert inv["numbering"] == [] and inv["num_instances"] == []
    assert len(inv["sections"]) == 1 and inv["sections"][0]["refs"] == []
    headings = [p["text"] for p in inv["paragraphs"] if p["style"] == "Heading1"]
    assert "Schedule 7 - Performance" in headings and headings[-1] == "Signatures"
    assert inv["tables"] == [{"rows": 5, "cols": 3, "depth": 0, "header_rows": 0, "grid_spans": 0,
                              "v_merge_restart": 0, "v_merge_continue": 0, "h_merge": 0, "style": None,
                              "first_row": " | For the Landlord | For the Manager"}]
    assert inv["tracked_changes"] == [] and inv["comments"] == [] and inv["fields"] == []


# ----------------------------------------------------------------------------------
# assert_preserved
# ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_identity_and_python_docx_roundtrip_are_preserved(path):
    before = inventory(path)
    assert_preserved(before, inventory(path))
    assert_preserved(before, inventory(python_docx_roundtrip(path)))


def test_inserting_a_schedule_after_a_heading_is_preserved():
    def insert(root):
        heading = find_paragraph(root, "Schedule 3 - Key Performance Indicators")
        new = etree.fromstring(
            f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="ScheduleHeading"/></w:pPr>'
            "<w:r><w:t>Schedule 4 - Safeguarding</w:t></w:r></w:p>"
        )
        heading.addprevious(new)

    before = inventory(REPAIRS)
    after = inventory(edit_part(REPAIRS, "word/document.xml", insert))
    assert after["counts"]["paragraphs"] == before["counts"]["paragraphs"] + 1
    assert_preserved(before, after)


def test_lost_paragraph_is_reported_readably():
    def drop(root):
        p = find_paragraph(root, "The Employer does not guarantee")
        p.getparent().remove(p)

    before = inventory(REPAIRS)
    with pytest.raises(AssertionError) as err:
        assert_preserved(before, inventory(edit_part(REPAIRS, "word/document.xml", drop)))
    message = str(err.value)
    assert "paragraphs: 1 of 140 host paragraphs missing" in message
    assert "[Heading2 num 1/1] 'The Employer does not guarantee any minimum volume" in message


def test_restyled_paragraph_is_reported_but_text_only_comparison_passes():
    def restyle(root):
        p = find_paragraph(root, "Term")
        p.find("w:pPr/w:pStyle", WNS).set(f"{{{W_NS}}}val", "BodyText")

    before = inventory(REPAIRS)
    after = inventory(edit_part(REPAIRS, "word/document.xml", restyle))
    lines = diff_preserved(before, after)
    assert any("text found in output as [BodyText] 'Term'" in line for line in lines)
    assert diff_preserved(before, after, paragraph_fields=("text",)) == []


def test_accepting_tracked_changes_is_reported():
    def accept(root):
        for d in root.xpath("//w:del", namespaces=WNS):
            d.getparent().remove(d)
        for ins in root.xpath("//w:ins", namespaces=WNS):
            parent = ins.getparent()
            for child in list(ins):
                ins.addprevious(child)
            parent.remove(ins)

    before = inventory(REPAIRS)
    lines = diff_preserved(before, inventory(edit_part(REPAIRS, "word/document.xml", accept)))
    assert lines[0].startswith("tracked_changes: 10 of 10 items missing")
    assert not any(line.startswith("paragraphs:") for line in lines)  # the text is unchanged


def test_changed_numbering_header_and_footnote_are_reported():
    data = edit_part(REPAIRS, "word/numbering.xml", lambda root: root.xpath(
        "//w:abstractNum[@w:abstractNumId='0']/w:lvl[@w:ilvl='1']/w:lvlText", namespaces=WNS
    )[0].set(f"{{{W_NS}}}val", "%2."))
    data = edit_part(data, "word/header3.xml", lambda root: root.xpath("//w:t", namespaces=WNS)[0].__setattr__(
        "text", "Something else"))
    data = edit_part(data, "word/footnotes.xml", lambda root: root.xpath(
        "//w:footnote[@w:id='2']", namespaces=WNS)[0].getparent().remove(
        root.xpath("//w:footnote[@w:id='2']", namespaces=WNS)[0]))
    lines = "\n".join(diff_preserved(inventory(REPAIRS), inventory(data)))
    assert "numbering: 1 of 2 items missing" in lines
    assert "sections: 1 of 2 items missing" in lines
    assert "footnotes: 1 of 2 items missing" in lines
    assert "Including the Housing Ombudsman" in lines


def test_text_box_fallback_is_not_double_counted():
    root = etree.fromstring(zipfile.ZipFile(GAS).read("word/document.xml"))
    in_fallback = sum(len(fb.findall(f".//{P}")) for fb in root.iter(FALLBACK))
    assert in_fallback == 2
    assert len(inventory(GAS)["paragraphs"]) == len(root.findall(f".//{P}")) - in_fallback


# ----------------------------------------------------------------------------------
# real Word documents (read from ../shared/real-docx, never copied)
# ----------------------------------------------------------------------------------
@real_params
def test_real_document_inventory_is_complete_and_self_consistent(path):
    inv = inventory(path)
    root = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    in_fallback = sum(len(fb.findall(f".//{P}")) for fb in root.iter(FALLBACK))
    assert len(inv["paragraphs"]) == len(root.findall(f".//{P}")) - in_fallback
    assert inv["sections"] and inv["styles"]
    assert all("w:delText" not in p["text"] for p in inv["paragraphs"])
    assert_preserved(inv, inventory(path))


@real_params
def test_real_document_survives_python_docx_roundtrip(path):
    assert_preserved(inventory(path), inventory(python_docx_roundtrip(path)))


@needs_real
def test_real_trap_tracked_insertions_are_in_paragraph_text():
    path = REAL_DIR / "uk-ccs-fm-order-form.docx"
    inv = inventory(path)
    inserted = [t for kind, _a, _d, t in inv["tracked_changes"] if kind == "ins" and len(t) > 20]
    assert inserted
    ours = "\n".join(texts(inv))
    theirs = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert all(t in ours for t in inserted)
    assert any(t not in theirs for t in inserted)  # python-docx loses them
    deleted = [t for kind, _a, _d, t in inv["tracked_changes"] if kind == "del" and len(t) > 20]
    assert deleted and not any(t in ours for t in deleted if t not in theirs and t not in inserted)


@needs_real
def test_real_trap_nested_tables_are_read():
    path = REAL_DIR / "drilling-operating-procedure-table-heavy.docx"
    inv = inventory(path)
    nested_text = [p["text"] for p in inv["paragraphs"] if p["in"].startswith("table/table") and p["text"]]
    assert "Workplace Risk Assessment (To Be Completed at The Job Site)" in nested_text
    outer = docx.Document(str(path)).tables[2]
    holder = next(c for r in outer.rows for c in r.cells if c.tables)
    assert holder.text == ""  # python-docx: the cell holding the nested table looks empty
    assert sum(1 for t in inv["tables"] if t["depth"] > 0) == 16


@needs_real
def test_real_trap_merged_cells_are_counted_once():
    path = REAL_DIR / "drilling-operating-procedure-table-heavy.docx"
    inv = inventory(path)
    document = docx.Document(str(path))
    table = document.tables[0]
    xml_cells = len(table._tbl.xpath("./w:tr/w:tc"))
    python_docx_cells = sum(len(r.cells) for r in table.rows)
    assert python_docx_cells > xml_cells  # python-docx repeats merged cells
    top = [t for t in inv["tables"] if t["depth"] == 0]
    assert top[0]["grid_spans"] + top[0]["v_merge_continue"] > 0
    assert sum(t["grid_spans"] + t["v_merge_continue"] for t in inv["tables"]) == 37


@needs_real
def test_real_trap_text_boxes_and_content_controls():
    inv = inventory(REAL_DIR / "oxpt-complicated-document-kitchen-sink.docx")
    assert any(p["in"].endswith("textbox") and p["text"] for p in inv["paragraphs"])
    assert any(p["in"].startswith("content-control") and p["text"] for p in inv["paragraphs"])
    assert len(inv["content_controls"]) == 21
    assert any(re.match(r"TOC\b", instr) for _story, instr in inv["fields"])
