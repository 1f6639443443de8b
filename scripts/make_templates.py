"""Build the Word templates in templates/ (run after changing the house style; commit the .docx).

    python scripts/make_templates.py

The templates are ordinary docxtpl templates: Jinja tags in the title page, headers and footers,
and a paragraph holding ``{{ body_anchor }}`` where msp-docs inserts the clauses. An organisation
can open a copy in Word, change fonts, colours, the title page and headers, keep the tags and the
style names, and point ``msp-docs build --templates DIR`` at its folder.

Style ids msp-docs relies on (keep them when editing): Title, Subtitle, Heading1-3, ClauseText
(numbered body paragraph 1.1), BodyText, ListBullet, ListBullet2, ListBullet3, ListNumber,
ListNumber2, ListNumber3, TableText, TableHeading, DocumentControl, and the table style MspTable.

``letter.docx`` is the review letter (``msp-docs review``): a letterhead, the date and the
provider's name, ``{{ body_anchor }}`` where the letter's text goes, the signature, and a reply
form on a page of its own at ``{{ annex_anchor }}``. It adds the styles Letterhead and
LetterDetails.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "templates"
FIXED_TIME = dt.datetime(2026, 1, 1, 0, 0, 0)

FONT = "Arial"
ACCENT = RGBColor(0x00, 0x5A, 0x70)  # dark teal: 8.3:1 contrast on white
TEXT = RGBColor(0x1A, 0x1A, 0x1A)
HEADER_FILL = "DCEBEF"

KEEP_STYLES = {
    "Normal", "DefaultParagraphFont", "TableNormal", "NoList", "Header", "Footer", "HeaderChar", "FooterChar",
    "Heading1", "Heading2", "Heading3", "Heading1Char", "Heading2Char", "Heading3Char", "Title", "TitleChar",
    "Subtitle", "SubtitleChar", "BodyText", "BodyTextChar", "ListBullet", "ListBullet2", "ListBullet3",
    "ListNumber", "ListNumber2", "ListNumber3", "TableGrid", "ListParagraph", "Hyperlink",
}

KINDS = {
    "policy": {"numbered": True, "landscape": False, "leaflet": False},
    "procedure": {"numbered": True, "landscape": False, "leaflet": False},
    "contract": {"numbered": True, "landscape": False, "leaflet": False},
    "self-assessment": {"numbered": False, "landscape": True, "leaflet": False},
    "leaflet": {"numbered": False, "landscape": False, "leaflet": True},
}


def numbering_xml(numbered: bool) -> str:
    """numbering.xml: 1 = clause headings and paragraphs, 2 = bullets, 3 = numbered lists."""

    def lvl(ilvl, fmt, text, indent, hanging, style=None, font=None, bold=False):
        pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
        rpr = ""
        if font or bold:
            rpr = "<w:rPr>" + (f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:hint="default"/>' if font else "") + ("<w:b/>" if bold else "") + "</w:rPr>"
        return (
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{pstyle}'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:ind w:left="{indent}" w:hanging="{hanging}"/></w:pPr>{rpr}</w:lvl>'
        )

    clause_levels = ""
    if numbered:
        clause_levels = lvl(0, "decimal", "%1", 680, 680, "Heading1", bold=True) + lvl(1, "decimal", "%1.%2", 680, 680, "ClauseText")
    else:
        clause_levels = lvl(0, "decimal", "%1", 680, 680) + lvl(1, "decimal", "%1.%2", 680, 680)
    bullets = lvl(0, "bullet", "\u2022", 1040, 360, font="Arial") + lvl(1, "bullet", "\u2013", 1400, 360, font="Arial") + lvl(2, "bullet", "\u2022", 1760, 360, font="Arial")
    numbers = lvl(0, "decimal", "%1.", 1040, 360) + lvl(1, "lowerLetter", "%2.", 1400, 360) + lvl(2, "lowerRoman", "%3.", 1760, 360)
    return (
        f"<w:numbering {nsdecls('w')}>"
        f'<w:abstractNum w:abstractNumId="1"><w:nsid w:val="4D535031"/><w:multiLevelType w:val="multilevel"/>{clause_levels}</w:abstractNum>'
        f'<w:abstractNum w:abstractNumId="2"><w:nsid w:val="4D535032"/><w:multiLevelType w:val="hybridMultilevel"/>{bullets}</w:abstractNum>'
        f'<w:abstractNum w:abstractNumId="3"><w:nsid w:val="4D535033"/><w:multiLevelType w:val="hybridMultilevel"/>{numbers}</w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="2"/></w:num>'
        '<w:num w:numId="3"><w:abstractNumId w:val="3"/></w:num>'
        "</w:numbering>"
    )


def set_font(style, size, bold=False, color=TEXT, italic=False):
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    style.font.color.rgb = color
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts is not None and fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    if fonts is not None:
        fonts.set(qn("w:cs"), FONT)


def set_numbering(style, num_id, ilvl):
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:numPr")):
        ppr.remove(old)
    numpr = parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    # numPr must come early in pPr (after keepNext/keepLines/pageBreakBefore, before spacing).
    insert_at = 0
    for i, child in enumerate(ppr):
        if child.tag in (qn("w:pStyle"), qn("w:keepNext"), qn("w:keepLines"), qn("w:pageBreakBefore"), qn("w:framePr"), qn("w:widowControl")):
            insert_at = i + 1
    ppr.insert(insert_at, numpr)


def clear_numbering(style):
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:numPr")):
        ppr.remove(old)


def spacing(style, before=0, after=6, line=1.15, keep_next=False):
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = line
    fmt.keep_with_next = keep_next


def prune(document):
    """Drop unused styles, latent styles and parts Word does not need, to keep templates small."""
    styles = document.styles.element
    for style in list(styles.findall(qn("w:style"))):
        if style.get(qn("w:styleId")) not in KEEP_STYLES:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype in (RT.THUMBNAIL,):
            del package.rels[rel_id]
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype in (RT.CUSTOM_XML, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects", RT.WEB_SETTINGS):
            del document.part.rels[rel_id]


def define_styles(document, numbered: bool, leaflet: bool):
    styles = document.styles
    base = 13 if leaflet else 11
    normal = styles["Normal"]
    set_font(normal, base)
    spacing(normal, after=8 if leaflet else 6, line=1.3 if leaflet else 1.15)
    # Document language en-GB for proofing and screen readers.
    rpr_default = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr_default.find(qn("w:lang"))
    if lang is None:
        lang = parse_xml(f'<w:lang {nsdecls("w")}/>')
        rpr_default.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")
    lang.set(qn("w:bidi"), "ar-SA")
    fonts = rpr_default.find(qn("w:rFonts"))
    if fonts is not None:
        for attr in list(fonts.attrib):
            del fonts.attrib[attr]
        for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(attr), FONT)

    title = styles["Title"]
    set_font(title, 30 if leaflet else 28, bold=True, color=ACCENT)
    spacing(title, before=48, after=12, line=1.0)
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    subtitle = styles["Subtitle"]
    set_font(subtitle, 16, color=TEXT)
    spacing(subtitle, after=24, line=1.1)

    h1, h2, h3 = styles["Heading 1"], styles["Heading 2"], styles["Heading 3"]
    set_font(h1, 18 if leaflet else 15, bold=True, color=ACCENT)
    spacing(h1, before=18, after=6, line=1.0, keep_next=True)
    set_font(h2, 15 if leaflet else 13, bold=True, color=ACCENT)
    spacing(h2, before=12, after=4, line=1.0, keep_next=True)
    set_font(h3, base, bold=True, color=TEXT)
    spacing(h3, before=10, after=3, line=1.0, keep_next=True)
    if numbered:
        set_numbering(h1, 1, 0)
        h1.paragraph_format.left_indent = Cm(1.2)
        h1.paragraph_format.first_line_indent = Cm(-1.2)
        # Sub-headings and un-numbered text line up with the text of numbered paragraphs.
        h2.paragraph_format.left_indent = Cm(1.2)
        h3.paragraph_format.left_indent = Cm(1.2)
    else:
        clear_numbering(h1)

    body = styles["Body Text"]
    body.base_style = normal
    set_font(body, base)
    spacing(body, after=8 if leaflet else 6, line=1.3 if leaflet else 1.15)
    if numbered:
        body.paragraph_format.left_indent = Cm(1.2)

    from docx.enum.style import WD_STYLE_TYPE

    clause = styles.add_style("Clause Text", WD_STYLE_TYPE.PARAGRAPH)
    clause.element.set(qn("w:styleId"), "ClauseText")
    clause.base_style = body
    set_font(clause, base)
    spacing(clause, after=6, line=1.15)
    if numbered:
        set_numbering(clause, 1, 1)
        clause.paragraph_format.left_indent = Cm(1.2)
        clause.paragraph_format.first_line_indent = Cm(-1.2)

    for name, level in (("List Bullet", 0), ("List Bullet 2", 1), ("List Bullet 3", 2)):
        style = styles[name]
        style.base_style = normal
        set_font(style, base)
        spacing(style, after=3, line=1.15)
        set_numbering(style, 2, level)
    for name, level in (("List Number", 0), ("List Number 2", 1), ("List Number 3", 2)):
        style = styles[name]
        style.base_style = normal
        set_font(style, base)
        spacing(style, after=3, line=1.15)
        set_numbering(style, 3, level)

    table_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.element.set(qn("w:styleId"), "TableText")
    table_text.base_style = normal
    set_font(table_text, base - 1 if not leaflet else base)
    spacing(table_text, after=2, line=1.0)
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    table_text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    table_heading = styles.add_style("Table Heading", WD_STYLE_TYPE.PARAGRAPH)
    table_heading.element.set(qn("w:styleId"), "TableHeading")
    table_heading.base_style = table_text
    set_font(table_heading, base - 1 if not leaflet else base, bold=True)
    spacing(table_heading, after=2, line=1.0)
    control = styles.add_style("Document Control", WD_STYLE_TYPE.PARAGRAPH)
    control.element.set(qn("w:styleId"), "DocumentControl")
    control.base_style = table_text
    set_font(control, 10)

    for name in ("Header", "Footer"):
        set_font(styles[name], 9, color=RGBColor(0x40, 0x40, 0x40))

    # A table style with a shaded, bold, repeating header row.
    grid = styles["Table Grid"]
    table_style = parse_xml(
        f'<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="MspTable">'
        '<w:name w:val="MSP Table"/><w:basedOn w:val="TableGrid"/><w:uiPriority w:val="59"/>'
        '<w:tblPr><w:tblBorders>'
        '<w:top w:val="single" w:sz="4" w:space="0" w:color="7F7F7F"/><w:left w:val="single" w:sz="4" w:space="0" w:color="7F7F7F"/>'
        '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="7F7F7F"/><w:right w:val="single" w:sz="4" w:space="0" w:color="7F7F7F"/>'
        '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="7F7F7F"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="7F7F7F"/>'
        '</w:tblBorders><w:tblCellMar><w:top w:w="57" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="57" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        f'<w:tblStylePr w:type="firstRow"><w:rPr><w:b/></w:rPr><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/></w:tcPr></w:tblStylePr>'
        "</w:style>"
    )
    grid.element.addnext(table_style)


def field(paragraph, instruction: str, placeholder: str):
    """Append a complex field (PAGE, NUMPAGES) to a paragraph."""
    for xml in (
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
        f'<w:r {nsdecls("w")}><w:t>{placeholder}</w:t></w:r>',
        f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>',
    ):
        paragraph._p.append(parse_xml(xml))


def control_table(document, kind: str):
    """The document-control table on the title page, with a marked header row."""
    rows = [
        ("Organisation", "{{ organisation.legal_name }}"),
        ("Document", "{{ document.title }}"),
        ("Version", "{{ document.version }}"),
        ("Approved by", "{{ governance.approved_by }}"),
        ("Date approved", "{{ document.approval_date|ukdate }}"),
        ("Next review due", "{{ document.review_date|ukdate }}"),
        ("Owner", "{{ people.strategic_lead.name }}, {{ people.strategic_lead.job_title }}"),
        ("Safeguarding lead", "{{ people.operational_lead.name }}, {{ people.operational_lead.job_title }}"),
    ]
    if kind == "contract":
        rows.insert(2, ("Contractor", "{{ contractor }}"))
    table = document.add_table(rows=1 + len(rows), cols=2)
    table.style = document.styles["MSP Table"]
    header = table.rows[0]
    header.cells[0].merge(header.cells[1])
    header.cells[0].paragraphs[0].text = "Document control"
    header.cells[0].paragraphs[0].style = document.styles["Table Heading"]
    tr_pr = header._tr.get_or_add_trPr()
    tr_pr.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    for row, (label, value) in zip(table.rows[1:], rows):
        row.cells[0].paragraphs[0].text = label
        row.cells[0].paragraphs[0].style = document.styles["Table Heading"]
        row.cells[1].paragraphs[0].text = value
        row.cells[1].paragraphs[0].style = document.styles["Document Control"]
    widths = (Cm(4.5), Cm(11.7))
    for row in table.rows[1:]:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    for grid_col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        grid_col.set(qn("w:w"), str(width.twips))
    tbl_pr = table._tbl.tblPr
    tbl_pr.append(parse_xml(f'<w:tblCaption {nsdecls("w")} w:val="Document control"/>'))
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = parse_xml(f'<w:tblLook {nsdecls("w")}/>')
        tbl_pr.append(look)
    for attr, value in (("w:val", "04A0"), ("w:firstRow", "1"), ("w:lastRow", "0"), ("w:firstColumn", "1"), ("w:lastColumn", "0"), ("w:noHBand", "0"), ("w:noVBand", "1")):
        look.set(qn(attr), value)


def build(kind: str, options: dict) -> bytes:
    document = docx.Document()
    prune(document)
    document.part.numbering_part._element = parse_xml(numbering_xml(options["numbered"]))
    define_styles(document, options["numbered"], options["leaflet"])
    # An empty default paragraph exists in the default template: remove it.
    body = document.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.4)
    section.header_distance = section.footer_distance = Cm(1.0)

    # Title page (no header or footer on it).
    # The logo paragraph disappears when the profile has no logo ({%p %} removes the paragraph).
    document.add_paragraph("{%p if logo %}", style="Normal")
    document.add_paragraph("{{ logo }}", style="Normal")
    document.add_paragraph("{%p endif %}", style="Normal")
    document.add_paragraph("{{ document.title }}", style="Title")
    document.add_paragraph("{{ organisation.name }}", style="Subtitle")
    document.add_paragraph("For: {{ document.audience }}", style="Normal")
    if kind == "contract":
        document.add_paragraph(
            "This schedule forms part of the contract between {{ landlord }} and {{ contractor }}"
            "{% if service.contract_reference %} (contract reference {{ service.contract_reference }}){% endif %}.",
            style="Normal",
        )
    control_table(document, kind)
    formats = document.add_paragraph(
        "If you need this document in another format, such as large print or easy read, please ask "
        "{{ people.operational_lead.name }} ({{ people.operational_lead.email }}).",
        style="Normal",
    )
    formats.paragraph_format.space_before = Pt(12)

    # Body section, with the running header and footer.
    new = document.add_section(WD_SECTION.NEW_PAGE)
    # python-docx puts the section break in a new empty paragraph; Word only needs it in the
    # title page's last paragraph, and an empty paragraph would be spacing by blank lines.
    breaker = formats._p.getnext()
    formats._p.get_or_add_pPr().append(breaker.pPr.sectPr)
    breaker.getparent().remove(breaker)
    if options["landscape"]:
        new.orientation = WD_ORIENT.LANDSCAPE
        new.page_width, new.page_height = Cm(29.7), Cm(21.0)
    new.header.is_linked_to_previous = False
    new.footer.is_linked_to_previous = False
    header_p = new.header.paragraphs[0]
    header_p.text = "{{ organisation.name }} \u2013 {{ document.title }}"
    header_p.style = document.styles["Header"]
    footer_p = new.footer.paragraphs[0]
    footer_p.style = document.styles["Footer"]
    footer_p.add_run("Version {{ document.version }} \u00b7 Review due {{ document.review_date|ukdate }} \u00b7 Page ")
    field(footer_p, "PAGE", "1")
    footer_p.add_run(" of ")
    field(footer_p, "NUMPAGES", "1")
    # The first section (title page) keeps empty header and footer parts of its own.
    first = document.sections[0]
    first.header.is_linked_to_previous = False
    first.footer.is_linked_to_previous = False

    document.add_paragraph("{{ body_anchor }}", style="Body Text")

    return finish(document, "Template for msp-docs. Keep the Jinja tags and the style names.")


def finish(document, comments: str) -> bytes:
    """English (UK) settings, fixed core properties and a reproducible zip: the template's bytes."""
    settings = document.settings.element
    for el in settings.findall(qn("w:updateFields")):
        settings.remove(el)
    for old in settings.findall(qn("w:themeFontLang")):
        settings.remove(old)
    settings.append(parse_xml(f'<w:themeFontLang {nsdecls("w")} w:val="en-GB"/>'))
    props = document.core_properties
    props.title = ""
    props.subject = ""
    props.author = "msp-docs"
    props.last_modified_by = "msp-docs"
    props.language = "en-GB"
    props.comments = comments
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return normalise_zip(buffer.getvalue())


def build_letter() -> bytes:
    """letter.docx: letterhead, date, recipient, the letter's text, signature and a reply form."""
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    prune(document)
    document.part.numbering_part._element = parse_xml(numbering_xml(False))
    define_styles(document, False, False)
    body = document.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    styles = document.styles
    letterhead = styles.add_style("Letterhead", WD_STYLE_TYPE.PARAGRAPH)
    letterhead.element.set(qn("w:styleId"), "Letterhead")
    letterhead.base_style = styles["Normal"]
    set_font(letterhead, 16, bold=True, color=ACCENT)
    spacing(letterhead, after=2, line=1.0)
    details = styles.add_style("Letter Details", WD_STYLE_TYPE.PARAGRAPH)
    details.element.set(qn("w:styleId"), "LetterDetails")
    details.base_style = styles["Normal"]
    set_font(details, 10, color=RGBColor(0x40, 0x40, 0x40))
    spacing(details, after=0, line=1.0)

    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.4)
    section.header_distance = section.footer_distance = Cm(1.0)
    # The first page carries the letterhead in the body; later pages a running header.
    section.different_first_page_header_footer = True
    header_p = section.header.paragraphs[0]
    header_p.text = "{{ organisation.name }} \u2013 adult safeguarding review, {{ letter.date|ukdate }}"
    header_p.style = styles["Header"]
    for footer in (section.footer, section.first_page_footer):
        footer_p = footer.paragraphs[0]
        footer_p.style = styles["Footer"]
        footer_p.add_run("Page ")
        field(footer_p, "PAGE", "1")
        footer_p.add_run(" of ")
        field(footer_p, "NUMPAGES", "1")

    def add(text: str, style: str = "Normal", *, before: float | None = None, after: float | None = None, bold: bool = False):
        paragraph = document.add_paragraph(style=style)
        run = paragraph.add_run(text)
        run.bold = bold or None
        if before is not None:
            paragraph.paragraph_format.space_before = Pt(before)
        if after is not None:
            paragraph.paragraph_format.space_after = Pt(after)
        return paragraph

    add("{%p if logo %}")
    add("{{ logo }}")
    add("{%p endif %}")
    add("{{ organisation.name }}", "Letterhead")
    add("{%p if letter.team %}")
    add("{{ letter.team }}", "Letter Details")
    add("{%p endif %}")
    add("{%p for line in letter.sender_lines %}")
    add("{{ line }}", "Letter Details")
    add("{%p endfor %}")
    add("{%p for line in letter.contact_lines %}")
    add("{{ line }}", "Letter Details")
    add("{%p endfor %}")
    add("{{ letter.date|ukdate }}", before=18)
    add("{%p for line in letter.recipient_lines %}")
    add("{{ line }}", after=0)
    add("{%p endfor %}")
    add("{{ body_anchor }}", "Body Text", before=12)
    # The signature block stays together on one page.
    for paragraph in (
        add("Yours sincerely,", before=12, after=36),
        add("{{ letter.signatory.name }}", bold=True, after=0),
        add("{{ letter.signatory.job_title }}", after=0),
    ):
        paragraph.paragraph_format.keep_with_next = True
    add("{{ organisation.name }}")
    add("{%p if letter.reply_form %}")
    form = add("Reply form", "Heading 1")
    form.paragraph_format.page_break_before = True
    add("{{ annex_anchor }}", "Body Text")
    add("{%p endif %}")

    return finish(document, "Review letter template for msp-docs. Keep the Jinja tags and the style names.")


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a docx zip with fixed timestamps so the committed templates are reproducible."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            clean = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            clean.compress_type = zipfile.ZIP_DEFLATED
            clean.external_attr = 0o644 << 16
            target.writestr(clean, source.read(info.filename))
    return out.getvalue()


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for kind, options in KINDS.items():
        path = OUT / f"{kind}.docx"
        path.write_bytes(build(kind, options))
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    path = OUT / "letter.docx"
    path.write_bytes(build_letter())
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
