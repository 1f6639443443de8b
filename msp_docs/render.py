"""Render a planned document to .docx bytes: the Word template gives the look, the clauses the content.

docxtpl renders the template's title page, headers and footers in a sandboxed, autoescaping Jinja
environment with strict undefined variables; the clauses are then added as real Word paragraphs,
lists and tables at the template's ``{{ body_anchor }}`` paragraph, each clause wrapped in a
bookmark that names its id (the marker the checker reads).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from msp_docs import __version__, _ooxml, markup
from msp_docs.clauses import blocks_text, join_and, render_clause, ukdate
from msp_docs.errors import TemplateError
from msp_docs.plan import Plan

BODY_ANCHOR = "[[msp-docs: clauses go here]]"
ANNEX_ANCHOR = "[[msp-docs: annex goes here]]"
LETTER_TEMPLATE = "letter.docx"
LOGO_WIDTH_MM = 45

# Style ids the renderer uses, each with the style to fall back to when a template lacks it.
_FALLBACKS = {
    "Heading1": None,
    "Heading2": "Heading1",
    "Heading3": "Heading2",
    "ClauseText": "BodyText",
    "BodyText": "Normal",
    "ListBullet": "BodyText",
    "ListBullet2": "ListBullet",
    "ListBullet3": "ListBullet2",
    "ListNumber": "BodyText",
    "ListNumber2": "ListNumber",
    "ListNumber3": "ListNumber2",
    "TableText": "Normal",
    "TableHeading": "TableText",
    "MspTable": "TableGrid",
    "TableGrid": None,
    "Normal": None,
}


@dataclass(frozen=True)
class RenderedDocument:
    """A generated document: its bytes and the clause markers written into it."""

    plan: Plan
    data: bytes
    markers: tuple[tuple[str, str], ...]

    @property
    def name(self) -> str:
        """File stem, e.g. ``policy`` or ``contract-gas``."""
        return self.plan.spec.name


def default_templates_dir() -> Path:
    """The shipped templates: msp_docs/templates when installed, else templates/ in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "templates"
    if (installed / "policy.docx").exists():
        return installed
    return package.parent / "templates"


@lru_cache(maxsize=32)
def _template_bytes(path: str, mtime: float, size: int) -> bytes:
    return Path(path).read_bytes()


def template_bytes(name: str, templates_dir: str | Path | None = None) -> tuple[Path, bytes]:
    """Read a template once per process (cached by path, size and modification time)."""
    folder = Path(templates_dir) if templates_dir else default_templates_dir()
    path = folder / name
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise TemplateError(f"template {path} was not found; the templates folder needs {name}") from None
    if stat.st_size > 20_000_000:
        raise TemplateError(f"template {path} is larger than 20 MB")
    return path, _template_bytes(str(path), stat.st_mtime, stat.st_size)


@lru_cache(maxsize=1)
def _docx_environment():
    """The Jinja environment for Word templates: sandboxed, autoescaped for XML, strict."""
    from msp_docs.clauses import _undefined_class, sandbox_class

    env = sandbox_class()(autoescape=True, undefined=_undefined_class())
    env.filters["ukdate"] = ukdate
    env.filters["join_and"] = join_and
    return env


def _logo(tpl, logo, profile_dir: Path | None):
    """The organisation's logo as an image for a template, or "" when the profile has none."""
    if not logo:
        return ""
    from docx.shared import Mm
    from docxtpl import InlineImage

    path = Path(logo["path"])
    if not path.is_absolute() and profile_dir is not None:
        path = profile_dir / path
    return InlineImage(tpl, str(path), width=Mm(LOGO_WIDTH_MM))


def _template_context(plan: Plan, tpl, profile_dir: Path | None) -> dict[str, Any]:
    context = dict(plan.context)
    context["body_anchor"] = BODY_ANCHOR
    context["logo"] = _logo(tpl, plan.context["org"]["logo"], profile_dir)
    return context


def render_document(plan: Plan, *, templates_dir: str | Path | None = None, date: dt.date | None = None, profile_dir: Path | None = None) -> RenderedDocument:
    """Render one planned document to .docx bytes."""
    path, data = template_bytes(plan.spec.template, templates_dir)
    document = _render_template(path, data, lambda tpl: _template_context(plan, tpl, profile_dir))
    markers = _insert_clauses(document, plan)
    if plan.context["org"]["logo"]:
        _set_image_alt_text(document, plan.context["org"]["logo"]["alt_text"])
    when = date or dt.date.today()
    _set_properties(document, plan, when)
    buffer = io.BytesIO()
    document.save(buffer)
    return RenderedDocument(plan=plan, data=_ooxml.deterministic_zip(buffer.getvalue(), when), markers=tuple(markers))


def _render_template(path: Path, data: bytes, context_for):
    """A Word template rendered by docxtpl in the sandbox; ``context_for(tpl)`` gives its variables. Returns the python-docx Document."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError

    _ooxml.restore_core_properties_prefix()
    from jinja2.exceptions import SecurityError, UndefinedError

    try:
        tpl = DocxTemplate(io.BytesIO(data))
        tpl.init_docx()
    except Exception as err:  # python-docx raises several kinds for a broken package
        raise TemplateError(f"template {path} is not a Word document that can be opened ({type(err).__name__}: {err})") from None
    context = context_for(tpl)
    try:
        tpl.render(context, jinja_env=_docx_environment(), autoescape=True)
    except UndefinedError as err:
        raise TemplateError(f"template {path.name} uses {err}; the profile does not provide it (check the tag's spelling)") from None
    except TemplateSyntaxError as err:
        raise TemplateError(f"template {path.name} has a broken tag: {err.message}") from None
    except SecurityError as err:
        raise TemplateError(f"template {path.name} tried something the sandbox does not allow: {err}") from None
    except Exception as err:  # noqa: BLE001 - anything a user's template can raise (include, import, huge ranges)
        raise TemplateError(f"template {path.name} could not be rendered ({type(err).__name__}: {err}); check its {{{{ }}}} and {{% %}} tags") from None
    return tpl.docx


def render_letter(
    context: dict[str, Any],
    body: list,
    annex: list,
    *,
    title: str,
    author: str,
    date: dt.date,
    logo=None,
    templates_dir: str | Path | None = None,
    profile_dir: Path | None = None,
) -> bytes:
    """A letter on the organisation's letterhead (templates/letter.docx) as .docx bytes.

    ``context`` fills the template's tags; ``body`` and ``annex`` are markup blocks put at its
    ``{{ body_anchor }}`` and ``{{ annex_anchor }}`` (the annex, a form, goes on its own page).
    """
    path, data = template_bytes(LETTER_TEMPLATE, templates_dir)

    def context_for(tpl) -> dict[str, Any]:
        return {**context, "body_anchor": BODY_ANCHOR, "annex_anchor": ANNEX_ANCHOR, "logo": _logo(tpl, logo, profile_dir)}

    document = _render_template(path, data, context_for)
    builder = _Body(document, False)
    _replace_anchor(document, BODY_ANCHOR, builder.blocks(None, body), LETTER_TEMPLATE)
    if annex:
        _replace_anchor(document, ANNEX_ANCHOR, builder.blocks(None, annex), LETTER_TEMPLATE)
    if logo:
        _set_image_alt_text(document, logo["alt_text"])
    props = document.core_properties
    stamp = dt.datetime(date.year, date.month, date.day, 9, 0, 0)
    props.title = _fit(title)
    props.subject = "Adult safeguarding review"
    props.author = _fit(author)
    props.keywords = "adult safeguarding; review; Making Safeguarding Personal; Care Act 2014"
    props.comments = f"Made by msp-docs {__version__}."
    props.language = "en-GB"
    props.last_modified_by = f"msp-docs {__version__}"
    props.revision = 1
    props.created = props.modified = stamp
    buffer = io.BytesIO()
    document.save(buffer)
    return _ooxml.deterministic_zip(buffer.getvalue(), date)


class _Body:
    """Builds the clause content as w: elements, resolving styles and list numbering."""

    def __init__(self, document, numbered: bool, style_map: dict[str, str] | None = None, clause_num: int | None = None) -> None:
        self.document = document
        self.numbered = numbered
        # Schedule mode: roles mapped to the host contract's styles, and explicit numbering on
        # every paragraph so the host's numbered styles never number the schedule.
        self.style_map = style_map or {}
        self.clause_num = clause_num
        # Schedule mode, for hosts without a style for a role: heading roles drawn in the body
        # style in bold, with the outline level a heading has (role -> 0-based level), and the
        # list behind bullets drawn in the body style.
        self.emphasis: dict[str, int] = {}
        self.bullet_num: int | None = None
        styles = document.styles.element
        self.style_ids = {s.get(_ooxml.w("styleId")) for s in styles.findall(_ooxml.w("style"))}
        self.numbering = document.part.numbering_part.element
        list_num = _ooxml.style_num_id(styles, self.style("ListNumber"))
        self.list_abstract = _ooxml.abstract_num_of(self.numbering, list_num) if list_num else None
        self.list_nums: dict[int, int] = {}

    def style(self, style_id: str) -> str | None:
        if style_id in self.style_map:
            return self.style_map[style_id]
        current: str | None = style_id
        while current is not None and current not in self.style_ids:
            current = _FALLBACKS.get(current)
        return current

    def runs(self, runs) -> list:
        return [_ooxml.run(r.text, r.bold, r.italic) for r in runs]

    def blocks(self, clause_title: str | None, blocks) -> list:
        self.list_nums = {}  # list numbers are per clause: each numbered list starts at 1
        out = []
        explicit = self.clause_num is not None
        if clause_title is not None:
            num = (self.clause_num, 0) if explicit else None
            out.append(self.heading("Heading1", [_ooxml.run(clause_title, "Heading1" in self.emphasis)], num, explicit))
        for block in blocks:
            if isinstance(block, markup.Heading):
                role = f"Heading{block.level}"
                runs = [_ooxml.run(r.text, r.bold or role in self.emphasis, r.italic) for r in block.runs]
                out.append(self.heading(role, runs, (0, 0) if explicit else None, explicit))
            elif isinstance(block, markup.Paragraph):
                numbered = self.numbered and block.numbered
                style = "ClauseText" if numbered else "BodyText"
                num = ((self.clause_num, 1) if numbered else (0, 0)) if explicit else None
                out.append(_ooxml.paragraph(self.style(style), self.runs(block.runs), num=num))
            elif isinstance(block, markup.ListItem):
                out.append(self.list_item(block))
            elif isinstance(block, markup.Table):
                out.append(self.table(block))
        return out

    def heading(self, role: str, runs: list, num: tuple[int, int] | None, keep_next: bool):
        """A heading paragraph; in the body style with an outline level where the host has no heading style for it."""
        p = _ooxml.paragraph(self.style(role), runs, num=num, keep_next=keep_next)
        if role in self.emphasis:
            outline = p.find(_ooxml.w("pPr")).makeelement(_ooxml.w("outlineLvl"), {_ooxml.w("val"): str(self.emphasis[role])})
            p.find(_ooxml.w("pPr")).append(outline)  # after numPr, as the schema orders pPr
        return p

    def list_item(self, item: markup.ListItem):
        level = min(item.level, 2)
        suffix = "" if level == 0 else str(level + 1)
        if not item.ordered and self.bullet_num is not None:
            return _ooxml.paragraph(self.style(f"ListBullet{suffix}"), self.runs(item.runs), num=(self.bullet_num, level))
        if not item.ordered:
            return _ooxml.paragraph(self.style(f"ListBullet{suffix}"), self.runs(item.runs))
        num = None
        if self.list_abstract is not None:
            if item.list_index not in self.list_nums:
                self.list_nums[item.list_index] = _ooxml.new_list_instance(self.numbering, self.list_abstract)
            num = (self.list_nums[item.list_index], level)
        return _ooxml.paragraph(self.style(f"ListNumber{suffix}"), self.runs(item.runs), num=num)

    def table(self, block: markup.Table):
        rows = [block.header, *block.rows]
        usable = 14400 if self._landscape() else 9600
        if block.widths:
            widths = [usable * share // 100 for share in block.widths]
        else:
            widths = column_widths([[markup.plain_text(cell.runs) for cell in row] for row in rows], usable)
        highlights = {(r, c) for r, row in enumerate(block.rows) for c, cell in enumerate(row) if cell.highlight}
        caption = block.caption or (markup.plain_text(block.header[0].runs) if block.header else None)
        return _ooxml.table(
            [self.runs(c.runs) for c in block.header],
            [[self.cell_runs(c) for c in row] for row in block.rows],
            style_id=self.style("MspTable"),
            header_style=self.style("TableHeading"),
            cell_style=self.style("TableText"),
            highlights=highlights,
            caption=caption,
            widths=widths,
            cell_num=(0, 0) if self.clause_num is not None else None,
            row_height=block.row_height,
        )

    def cell_runs(self, cell: markup.Cell):
        runs = self.runs(cell.runs)
        if cell.highlight:
            for r in runs:
                rpr = r.find(_ooxml.w("rPr"))
                if rpr is None:
                    rpr = r.makeelement(_ooxml.w("rPr"), {})
                    r.insert(0, rpr)
                if rpr.find(_ooxml.w("b")) is None:
                    rpr.insert(0, r.makeelement(_ooxml.w("b"), {}))
        return runs

    def _landscape(self) -> bool:
        section = self.document.sections[-1]
        return section.page_width is not None and section.page_height is not None and section.page_width > section.page_height


def column_widths(rows: list[list[str]], usable: int) -> list[int]:
    """Column widths in twips: room for each column's longest word, the rest shared by amount of text."""
    columns = len(rows[0])
    minimum, weight = [], []
    for col in range(columns):
        cells = [row[col] for row in rows]
        longest_word = max((len(word) for cell in cells for word in cell.split()), default=4)
        minimum.append(min(max(longest_word, 4), 24) * 125 + 250)
        weight.append(sum(min(len(cell), 200) for cell in cells) + 20)
    if sum(minimum) >= usable:
        return [int(usable * m / sum(minimum)) for m in minimum]
    spare = usable - sum(minimum)
    total = sum(weight)
    return [m + int(spare * w / total) for m, w in zip(minimum, weight)]


def _clause_elements(document, plan: Plan, builder: _Body) -> tuple[list, list[tuple[str, str]]]:
    """Every clause of the plan as w: elements, each wrapped in its marker bookmark."""
    next_id = _ooxml.max_bookmark_id(document.element) + 1
    markers: list[tuple[str, str]] = []
    out: list = []
    for clause in plan.clauses:
        rendered = render_clause(clause, plan.context)
        title = clause.title if clause.heading else None
        elements = builder.blocks(title, rendered.blocks)
        if not elements:
            continue
        texts = ([title] if title else []) + blocks_text(rendered.blocks)
        fingerprint = _ooxml.text_fingerprint(texts)
        name = _ooxml.marker_name(clause.id, fingerprint)
        first = elements[0] if elements[0].tag == _ooxml.w("p") else next(elements[0].iter(_ooxml.w("p")))
        # After the first run, not before it: LibreOffice drops a bookmark that starts at the very
        # beginning of a paragraph straight after a table (checked with 7.4 round trips).
        first_run = first.find(_ooxml.w("r"))
        if first_run is not None:
            first_run.addnext(_ooxml.bookmark_start(next_id, name))
        else:
            ppr = first.find(_ooxml.w("pPr"))
            first.insert(1 if ppr is not None else 0, _ooxml.bookmark_start(next_id, name))
        _ooxml.last_paragraph(elements[-1]).append(_ooxml.bookmark_end(next_id))
        next_id += 1
        markers.append((clause.id, fingerprint))
        out.extend(elements)
    return out, markers


def _insert_clauses(document, plan: Plan) -> list[tuple[str, str]]:
    elements, markers = _clause_elements(document, plan, _Body(document, plan.spec.numbered))
    _replace_anchor(document, BODY_ANCHOR, elements, plan.spec.template)
    return markers


def _replace_anchor(document, anchor_text: str, elements: list, template: str) -> None:
    """Put ``elements`` where the template's anchor paragraph is, and drop the anchor."""
    anchor = None
    for p in document.element.body.iter(_ooxml.w("p")):
        if anchor_text in "".join(t.text or "" for t in p.iter(_ooxml.w("t"))):
            anchor = p
            break
    if anchor is None:
        tag = "body_anchor" if anchor_text == BODY_ANCHOR else "annex_anchor"
        raise TemplateError(f"template {template} has no paragraph with {{{{ {tag} }}}}; add one where the content should go")
    for element in elements:
        anchor.addprevious(element)
    anchor.getparent().remove(anchor)


@dataclass(frozen=True)
class RenderedSchedule:
    """A contract schedule built to be joined into a host contract (a python-docx Document)."""

    document: Any
    markers: tuple[tuple[str, str], ...]


def render_schedule(plan: Plan, *, title: str, host_styles, mark: str, templates_dir: str | Path | None = None) -> RenderedSchedule:
    """The clauses of a contract plan as a standalone document styled with the host's style ids.

    The title paragraph and every clause use the host's heading and body styles where the host
    has them; numbering is the schedule's own (1, 1.1) so it never continues the host's clauses.
    The whole schedule sits inside a bookmark named ``mark`` so it can be found and replaced.
    """
    import copy

    import docx

    _path, data = template_bytes(plan.spec.template, templates_dir)
    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    for child in list(body):
        if child.tag != _ooxml.w("sectPr"):
            body.remove(child)
    numbering = document.part.numbering_part.element
    template_abstract = _ooxml.abstract_num_of(numbering, _ooxml.style_num_id(document.styles.element, "ClauseText") or 1) or 1
    # A list definition of the schedule's own, linked to no style: when the host has a style of the
    # same name with numbering (Heading1 in most contracts), docxcompose maps the template's list
    # onto the host's, and Word counts lists that share a definition as one, so the host's clauses
    # after the schedule would continue from its last number.
    source = next(a for a in numbering.findall(_ooxml.w("abstractNum")) if a.get(_ooxml.w("abstractNumId")) == str(template_abstract))
    own = copy.deepcopy(source)
    clause_abstract = max(int(a.get(_ooxml.w("abstractNumId"))) for a in numbering.findall(_ooxml.w("abstractNum"))) + 1
    own.set(_ooxml.w("abstractNumId"), str(clause_abstract))
    for link in [*own.iter(_ooxml.w("pStyle")), *own.iter(_ooxml.w("styleLink")), *own.iter(_ooxml.w("numStyleLink"))]:
        link.getparent().remove(link)
    source.addnext(own)
    clause_num = _ooxml.new_list_instance(numbering, clause_abstract)
    # Every role in a style of the host's: where the host has no style for a heading role, the
    # schedule's headings are its body text in bold (as hand-made contract headings are), not the
    # msp-docs template's headings or an unused built-in one; bullets likewise keep the body style.
    style_map = {}
    emphasis = {}
    body_style = host_styles.body
    if body_style:
        style_map["ClauseText"] = body_style
        style_map["BodyText"] = body_style
    if host_styles.heading:
        style_map["Heading1"] = host_styles.heading
    elif body_style:
        style_map["Heading1"], emphasis["Heading1"] = body_style, 1
    if host_styles.subheading:
        style_map["Heading2"] = style_map["Heading3"] = host_styles.subheading
    elif body_style:
        style_map["Heading2"] = style_map["Heading3"] = body_style
        emphasis["Heading2"] = emphasis["Heading3"] = 2
    bullet_num = None
    if host_styles.bullet:
        style_map["ListBullet"] = host_styles.bullet
    elif body_style:
        bullet_num = _ooxml.style_num_id(document.styles.element, "ListBullet")
        if bullet_num is not None:
            for suffix in ("", "2", "3"):
                style_map[f"ListBullet{suffix}"] = body_style
    if host_styles.table:
        style_map["MspTable"] = host_styles.table
    builder = _Body(document, True, style_map=style_map, clause_num=clause_num)
    builder.emphasis = emphasis
    builder.bullet_num = bullet_num
    if host_styles.title or "Heading1" not in emphasis:
        heading = _ooxml.paragraph(host_styles.title or builder.style("Heading1"), [_ooxml.run(title)], num=(0, 0), keep_next=True)
    else:
        builder.emphasis = {**emphasis, "Title": 0}
        builder.style_map["Title"] = body_style
        heading = builder.heading("Title", [_ooxml.run(title, True)], (0, 0), True)
    _ooxml.set_page_break_before(heading)
    elements, markers = _clause_elements(document, plan, builder)
    mark_id = _ooxml.max_bookmark_id(document.element) + len(markers) + 100
    heading.find(_ooxml.w("r")).addnext(_ooxml.bookmark_start(mark_id, mark))  # after the run: see _clause_elements
    intro = _ooxml.paragraph(
        builder.style("BodyText"),
        [_ooxml.run(f"This schedule sets out the safeguarding duties of {plan.context['contractor']} under this contract for {plan.spec.service_title.lower()}. It was prepared with msp-docs from {plan.context['landlord']}'s safeguarding requirements.")],
        num=(0, 0),
    )
    all_elements = [heading, intro, *elements]
    if host_styles.body_size or host_styles.body_font:
        # Headings in the host's own heading styles keep their sizes; headings made from the body
        # style (a host without heading styles) take the body text's size like the host's do.
        heading_styles = {builder.style(name) for name in ("Heading1", "Heading2", "Heading3")} | {host_styles.title}
        heading_styles -= {host_styles.body}
        _ooxml.apply_run_look(all_elements, size=host_styles.body_size, font=host_styles.body_font, skip_styles=heading_styles)
    _ooxml.last_paragraph(all_elements[-1]).append(_ooxml.bookmark_end(mark_id))
    sect = body.find(_ooxml.w("sectPr"))
    for element in all_elements:
        if sect is not None:
            sect.addprevious(element)
        else:
            body.append(element)
    return RenderedSchedule(document=document, markers=tuple(markers))


def _fit(text: str, limit: int = 255) -> str:
    """Text cut to a document property's length limit, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _set_image_alt_text(document, alt_text: str) -> None:
    ns = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    for doc_pr in document.element.body.iter(f"{{{ns}}}docPr"):
        doc_pr.set("descr", alt_text)
        doc_pr.set("title", alt_text)


def _set_properties(document, plan: Plan, when: dt.date) -> None:
    org = plan.context["org"]
    props = document.core_properties
    stamp = dt.datetime(when.year, when.month, when.day, 9, 0, 0)
    # Word limits these properties to 255 characters; the text itself is never shortened.
    props.title = _fit(f"{plan.spec.title} – {org['name']}")
    props.subject = "Adult safeguarding"
    props.author = _fit(org["name"])
    props.keywords = "adult safeguarding; Making Safeguarding Personal; Care Act 2014; Mental Capacity Act 2005"
    props.category = plan.spec.kind
    props.comments = f"Generated by msp-docs {__version__}."
    props.language = "en-GB"
    props.last_modified_by = f"msp-docs {__version__}"
    props.version = str(plan.context["document"]["version"])
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    _ooxml.set_custom_properties(
        document,
        {
            "msp-docs.version": __version__,
            "msp-docs.document": plan.spec.name,
            "msp-docs.kind": plan.spec.kind,
            "msp-docs.baseline": plan.spec.baseline,
            "msp-docs.service": plan.spec.service or "",
        },
    )
