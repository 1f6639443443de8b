"""Reading documents: Word XML traps, text and Markdown, PDF, and refusals with advice."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from msp_docs.errors import DocumentError
from msp_docs.extract import extract, sniff

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "tests" / "fixtures" / "contracts"
EVAL = ROOT / "tests" / "eval" / "documents"


def texts(path) -> list[str]:
    return [p.text for p in extract(path).passages]


def test_tracked_insertions_count_and_deletions_do_not():
    joined = "\n".join(texts(CONTRACTS / "repairs-contract.docx"))
    # A whole paragraph inserted with tracked changes (python-docx's Paragraph.text would miss it).
    assert "The Contractor shall report any concern about the safety or wellbeing of a resident" in joined
    assert "keep an adequate stock of common parts on each van" in joined
    # 'twenty-eight' was deleted and 'twenty' inserted in its place.
    assert "twenty-eight" not in joined
    assert "within twenty" in joined or " twenty " in joined


def test_text_boxes_are_read_once_and_nested_tables_are_read():
    doc = extract(CONTRACTS / "gas-servicing-contract.docx")
    boxes = [p for p in doc.passages if p.part == "text box"]
    assert boxes, "the text box is read"
    for box in boxes:
        assert sum(p.text == box.text for p in doc.passages) == 1, "the VML fallback copy is skipped"
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from docx_inventory import inventory

    nested = [p["text"] for p in inventory(str(CONTRACTS / "gas-servicing-contract.docx"))["paragraphs"] if p["in"].count("table") >= 2 and p["text"]]
    assert nested and all(any(n == p.text for p in doc.passages) for n in nested)


def test_headers_footers_and_notes_are_read_with_their_part():
    doc = extract(CONTRACTS / "repairs-contract.docx")
    parts = {p.part for p in doc.passages}
    assert {"body", "table", "header", "footer", "footnote"} <= parts
    heading_paths = [p.heading_path for p in doc.passages if p.part == "body" and p.heading_path]
    assert any("Termination" in path for path in heading_paths)


def test_locations_name_heading_and_paragraph():
    doc = extract(CONTRACTS / "repairs-contract.docx")
    located = next(p for p in doc.passages if p.heading_path and p.part == "body")
    assert "paragraph" in located.location and " › ".join(located.heading_path) in located.location


def test_pdf_pages_are_located():
    doc = extract(EVAL / "06-fernhill-gas-spec.pdf")
    assert doc.format == "pdf" and doc.pages and doc.pages >= 1
    assert all(p.page for p in doc.passages)
    assert "page 1" in doc.passages[0].location


def test_markdown_headings_and_plain_text_paragraphs(tmp_path):
    md = tmp_path / "policy.md"
    md.write_text("# Safeguarding policy\n\n## Scope\n\nWe protect adults.\nSecond line of the same paragraph\ncontinues here.\n\n- a bullet\n", encoding="utf-8")
    doc = extract(md)
    assert doc.format == "md" and doc.title == "Safeguarding policy"
    scope = [p for p in doc.passages if p.text.startswith("We protect")][0]
    assert scope.heading_path == ("Safeguarding policy", "Scope")
    txt = tmp_path / "policy.txt"
    txt.write_text("Our approach\nWe ask adults what they want.\nWe record what they say.\n", encoding="cp1252")
    passages = texts(txt)
    assert passages == ["Our approach", "We ask adults what they want.", "We record what they say."]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "old Word 97-2003 document (.doc); open it in Word or LibreOffice and save it as .docx"),
        (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le")), "password-protected"),
        (lambda p: p.write_bytes(b"PK\x03\x04" + b"\x00" * 50), "damaged"),
        (lambda p: p.write_bytes(bytes(range(256)) * 4), "not a document msp-docs can read"),
        (lambda p: p.write_bytes(b""), "is empty"),
        (lambda p: p.write_bytes(b"{\\rtf1 hello}"), "Rich Text"),
    ],
    ids=["doc", "encrypted", "corrupt-zip", "random-bytes", "empty", "rtf"],
)
def test_unreadable_files_are_refused_with_advice(tmp_path, make, message):
    path = tmp_path / "file.docx"
    make(path)
    with pytest.raises(DocumentError) as err:
        extract(path)
    assert message in str(err.value)
    assert "file.docx" in str(err.value)


def test_odt_is_refused_with_advice(tmp_path):
    path = tmp_path / "policy.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<x/>")
    with pytest.raises(DocumentError) as err:
        sniff(path)
    assert "OpenDocument file (.odt)" in str(err.value) and "save it as .docx" in str(err.value)


def test_folder_and_missing_file(tmp_path):
    with pytest.raises(DocumentError) as err:
        extract(tmp_path)
    assert "is a folder" in str(err.value)
    with pytest.raises(DocumentError) as err:
        extract(tmp_path / "missing.docx")
    assert "no such file" in str(err.value)


@pytest.mark.parametrize(
    "name, content, says",
    [
        ("notes.pdf", b"A plain text note about safeguarding adults.\n", "notes.pdf is named .pdf but is plain text, not a PDF"),
        ("policy.txt", None, "policy.txt is named .txt but is a Word document, not plain text"),
        ("scan.docx", "pdf", "scan.docx is named .docx but is a PDF, not a Word document"),
    ],
)
def test_a_file_whose_content_does_not_match_its_name_is_named_as_such(tmp_path, name, content, says):
    path = tmp_path / name
    if content is None:
        import docx

        document = docx.Document()
        document.add_paragraph("A Word document saved under the wrong name.")
        document.save(str(path))
    elif content == "pdf":
        path.write_bytes((Path(__file__).parent / "eval" / "documents" / "06-fernhill-gas-spec.pdf").read_bytes())
    else:
        path.write_bytes(content)
    document = extract(path)
    assert document.passages  # read by its content, not refused
    assert any(says in warning for warning in document.warnings), document.warnings


def test_a_file_whose_content_matches_its_name_has_no_warning(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# Note\n\nSafeguarding adults at risk.\n", encoding="utf-8")
    assert extract(path).warnings == ()


def test_a_pdf_hyphen_at_the_end_of_a_line_is_kept():
    # pdfium reports the hyphen of "self-neglect" broken across two lines as U+FFFE.
    pdf = Path(__file__).parent / "eval" / "blind" / "documents" / "b08-wexcombe-hoarding-self-neglect-protocol-excerpt.pdf"
    text = extract(pdf).text
    assert "\ufffe" not in text
    assert "describes self-neglect as covering" in text


def test_a_pdf_running_header_and_footer_are_read_once_as_such():
    pdf = Path(__file__).parent / "eval" / "blind" / "documents" / "a06-fenwick-vale-tenancy-sustainment-policy.pdf"
    passages = extract(pdf).passages
    headers = [p.text for p in passages if p.part == "header"]
    footers = [p.text for p in passages if p.part == "footer"]
    assert headers == ["Fenwick Vale Homes | Tenancy Sustainment Policy"]
    assert footers == ["Policy ref HM-07 | Version 2.0 | Approved June 2024"]
    body = " ".join(p.text for p in passages if p.part == "body")
    assert "Policy ref HM-07" not in body  # not glued to the text it follows on each page
