"""A plan as a PDF (WeasyPrint) or a DOCX (python-docx), in one of its working languages.

Both carry the plan's title, status, version and date; each section as read in the chosen
language, with outdated and missing translations marked; the actions; the self-assessment
(chart and table); and, when asked, the open comments of each section. The document's own
words are in the chosen language where the workspace speaks it."""

import mimetypes
import re
from contextlib import nullcontext
from datetime import date
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, RGBColor
from flask import abort, current_app, render_template, request, send_file
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join
from werkzeug.utils import secure_filename

from .. import db
from ..benchmarks import services as benchmarks
from ..i18n import language_name
from ..labels import ACTION_STATUSES, MENTORING_THEMES, PLAN_STATUSES
from ..models import Plan, PlanSection, SectionComment, SectionKind
from . import bp, plan_page_extra, services
from .actions import plan_actions

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# What goes into the document -------------------------------------------------------------


def open_comments(plan: Plan) -> dict[int, list[SectionComment]]:
    """The unresolved top-level comments of each section, oldest first, with their replies
    and authors (four queries)."""
    query = (
        select(SectionComment)
        .join(PlanSection, PlanSection.id == SectionComment.section_id)
        .where(
            PlanSection.plan_id == plan.id,
            SectionComment.parent_id.is_(None),
            SectionComment.resolved_at.is_(None),
        )
        .options(
            joinedload(SectionComment.author),
            selectinload(SectionComment.replies).joinedload(SectionComment.author),
        )
        .order_by(SectionComment.id)
    )
    found: dict[int, list[SectionComment]] = {}
    for comment in db.session.scalars(query):
        found.setdefault(comment.section_id, []).append(comment)
    return found


def contents(plan: Plan, language: str, with_comments: bool) -> dict:
    """Everything the document shows, loaded in a fixed number of queries."""
    pair = plan.pair
    return {
        "pair": pair,
        "plan": plan,
        "language": language,
        "sections": services.read_plan(plan, language),
        "actions": plan_actions(plan),
        "chart": benchmarks.chart(pair, language),
        "comments": open_comments(plan) if with_comments else {},
        "with_comments": with_comments,
        "statuses": ACTION_STATUSES,
        "plan_statuses": PLAN_STATUSES,
        "today": date.today(),
    }


def _export_language(plan: Plan) -> str:
    language = request.args.get("lang") or plan.language
    if language not in services.languages_of(plan):
        abort(404)
    return language


def _speaking(language: str):
    """The document's own words in its language, where the workspace has that language."""
    if language in current_app.config["LANGUAGES"]:
        return force_locale(language)
    return nullcontext()


def _attachment(body: bytes, plan: Plan, language: str, extension: str, mimetype: str):
    name = secure_filename(plan.title) or "plan"
    return send_file(
        BytesIO(body),
        mimetype=mimetype,
        as_attachment=True,
        download_name=f"{name}-v{plan.version}-{language}.{extension}",
        etag=False,
        conditional=False,
    )


# PDF ------------------------------------------------------------------------------------


class StaticOnly(URLFetcher):
    """WeasyPrint's fetcher, restricted to our own static files, read from disk: the
    document never reaches the network or any other file."""

    def __init__(self, prefix: str, folder: str):
        super().__init__(allowed_protocols=())
        self.prefix = prefix  # the external URL of the static folder, with its final slash
        self.folder = folder

    def fetch(self, url, headers=None):
        if not url.startswith(self.prefix):
            raise ValueError(f"Not one of our static files: {url}")
        relative = unquote(urlsplit(url[len(self.prefix) :]).path)
        path = safe_join(self.folder, relative)
        if path is None or not Path(path).is_file():
            raise ValueError(f"No such static file: {url}")
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": kind})


def static_fetcher() -> StaticOnly:
    prefix = request.url_root.rstrip("/") + current_app.static_url_path + "/"
    return StaticOnly(prefix, current_app.static_folder)


def render_pdf(data: dict) -> bytes:
    html = render_template("plans/export.html", **data)
    document = HTML(string=html, base_url=request.url_root, url_fetcher=static_fetcher())
    return document.write_pdf(pdf_tags=True)  # tagged: screen readers follow the structure


@bp.get("/pairs/<int:pair_id>/plans/<int:plan_id>/export.pdf")
@login_required
def export_pdf(pair_id: int, plan_id: int):
    plan = services.load_plan(pair_id, plan_id)
    language = _export_language(plan)
    with _speaking(language):
        body = render_pdf(contents(plan, language, request.args.get("comments") == "1"))
    return _attachment(body, plan, language, "pdf", PDF)


# DOCX -----------------------------------------------------------------------------------

MONOSPACE = "Courier New"
LIST_STYLES = {"ul": "List Bullet", "ol": "List Number"}


class _Writer(HTMLParser):
    """Writes sanitised section HTML (the Markdown renderer's small set of tags) into a
    python-docx document: headings, paragraphs, lists, quotes, code, bold and italic."""

    def __init__(self, document, heading_level: int, indent=None):
        super().__init__(convert_charrefs=True)
        self.document = document
        self.heading_level = heading_level  # the level an <h1> in the body becomes
        self.indent = indent
        self.paragraph = None
        self.bold = self.italic = self.code = 0
        self.lists: list[str] = []
        self.quote = 0
        self.pre = False
        self.fresh_item = False  # a list item's paragraph that has no text yet
        self.href = None

    def _new(self, style=None):
        self.paragraph = self.document.add_paragraph(style=style)
        if self.indent is not None:
            self.paragraph.paragraph_format.left_indent = self.indent
        return self.paragraph

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = min(self.heading_level + int(tag[1]) - 1, 9)
            self.paragraph = self.document.add_heading("", level=level)
        elif tag == "p":
            if self.fresh_item:
                self.fresh_item = False  # a loose list's item: its first paragraph
            elif self.lists:
                self._new("List Continue")
            else:
                self._new("Quote" if self.quote else None)
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "li":
            kind = self.lists[-1] if self.lists else "ul"
            depth = min(len(self.lists), 3)
            self._new(LIST_STYLES[kind] + (f" {depth}" if depth > 1 else ""))
            self.fresh_item = True
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre = True
            self._new("No Spacing")
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "code":
            self.code += 1
        elif tag == "a":
            self.href = dict(attrs).get("href")
        elif tag == "br" and self.paragraph is not None:
            self.paragraph.add_run().add_break()
        elif tag == "hr":
            self._new()
            self.paragraph = None

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre"):
            self.paragraph = None
            self.fresh_item = False
            if tag == "pre":
                self.pre = False
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag == "blockquote":
            self.quote = max(self.quote - 1, 0)
        elif tag in ("strong", "b"):
            self.bold = max(self.bold - 1, 0)
        elif tag in ("em", "i"):
            self.italic = max(self.italic - 1, 0)
        elif tag == "code":
            self.code = max(self.code - 1, 0)
        elif tag == "a":
            self.href = None

    def handle_data(self, data):
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if self.paragraph is None or not self.paragraph.runs:
                data = data.lstrip()
        if not data:
            return
        if self.paragraph is None:
            self._new("Quote" if self.quote else None)
        self.fresh_item = False
        lines = data.rstrip("\n").split("\n") if self.pre else [data]
        for number, line in enumerate(lines):
            run = self.paragraph.add_run(line)
            run.bold = bool(self.bold) or None
            run.italic = bool(self.italic) or None
            if self.code or self.pre:
                run.font.name = MONOSPACE
            if self.href:
                run.underline = True
            if number < len(lines) - 1:
                run.add_break()


def write_html(document, html: str, heading_level: int, indent=None) -> None:
    writer = _Writer(document, heading_level, indent)
    writer.feed(html)
    writer.close()


def _note(document, text: str) -> None:
    """A marker the reader must not miss (an outdated or missing translation)."""
    run = document.add_paragraph().add_run(text)
    run.bold = run.italic = True


def _table(document, headings: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, headings, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(heading).bold = True
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    return table


def _period(action) -> str:
    start = format_date(action.starts_on, "medium") if action.starts_on else None
    end = format_date(action.ends_on, "medium") if action.ends_on else None
    if start and end:
        return _("%(start)s – %(end)s", start=start, end=end)
    if start:
        return _("from %(date)s", date=start)
    if end:
        return _("until %(date)s", date=end)
    return "—"


def _comment(document, comment: SectionComment, reply: bool) -> None:
    who = comment.author.display_name if comment.author else _("a former member")
    when = format_date(comment.created_at, "medium")
    line = (
        _("Reply from %(who)s, %(when)s:", who=who, when=when)
        if reply
        else _("%(who)s, %(when)s:", who=who, when=when)
    )
    indent = Cm(1.5) if reply else Cm(0.75)
    heading = document.add_paragraph()
    heading.paragraph_format.left_indent = indent
    heading.add_run(line).bold = True
    write_html(document, comment.body_html, 4, indent)


def _docx_actions(document, data: dict) -> None:
    if not data["actions"]:
        document.add_paragraph(_("This plan has no actions yet."))
        return
    rows = []
    for action in data["actions"]:
        details = [action.title, action.description]
        if action.resources:
            details.append(_("Resources: %(text)s", text=action.resources))
        if action.indicators:
            details.append(_("Indicators: %(text)s", text=action.indicators))
        factors = [f.text(data["language"]).title for f in action.key_factors]
        rows.append(
            [
                "\n".join(d for d in details if d),
                "\n".join(factors) or "—",
                action.lead_organisation.name if action.lead_organisation else "—",
                action.partners or "—",
                _period(action),
                str(data["statuses"][action.status]),
            ]
        )
    headings = [_("Action"), _("Key factors"), _("Lead"), _("Partners")]
    _table(document, [*headings, _("Start – end"), _("Status")], rows)


# The chart in the DOCX: a table drawn as bars, in the SVG chart's colours. Each key factor is
# a row, each step of the 0–3 scale a column; the cells up to the current rating are shaded and
# the target's cell is outlined and marked in words, so it reads without seeing the colours.
BAR = "1D4F91"
ON_BAR = RGBColor(0xFF, 0xFF, 0xFF)
TARGET = "9A4400"
TARGET_MARK = "◎"
# Where <w:shd>, <w:tcBorders> and <w:bdr> go among their siblings (the schema's order).
AFTER_CELL_SHADING = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign")
AFTER_CELL_BORDERS = ("w:shd", *AFTER_CELL_SHADING)
AFTER_RUN_SHADING = ("w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang")
AFTER_RUN_BORDER = ("w:shd", *AFTER_RUN_SHADING)


def _shading(fill: str):
    return OxmlElement("w:shd", {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill})


def _border(tag: str):
    """A thick dashed line in the target's colour, as the SVG draws the target."""
    attributes = {"w:val": "dashed", "w:sz": "18", "w:space": "0", "w:color": TARGET}
    return OxmlElement(tag, {qn(k): v for k, v in attributes.items()})


def _shade_cell(cell) -> None:
    cell._tc.get_or_add_tcPr().insert_element_before(_shading(BAR), *AFTER_CELL_SHADING)


def _outline_cell(cell) -> None:
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        borders.append(_border(f"w:{side}"))
    cell._tc.get_or_add_tcPr().insert_element_before(borders, *AFTER_CELL_BORDERS)


def _header_row(row) -> None:
    """Marks the row as the table's header, repeated on each page and named to screen readers."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def _mark(paragraph, text: str, on_bar: bool):
    run = paragraph.add_run(text)
    run.bold = True
    run.font.color.rgb = ON_BAR if on_bar else RGBColor.from_string(TARGET)
    return run


def _width(column: int) -> Cm:
    return Cm(6) if column == 0 else Cm(2.6)  # the key factor's column wide, the scale's even


def _sized(row) -> list:
    """The row's cells, given their column's width (before any merge, which adds them up)."""
    cells = row.cells
    for number, cell in enumerate(cells):
        cell.width = _width(number)
    return cells


def _docx_chart(document, chart) -> None:
    document.add_paragraph().add_run(_("Current rating against target per key factor")).bold = True
    document.add_paragraph(
        _(
            "Each key factor is a bar on the scale from not in place to fully in place: the "
            "shaded cells reach its current rating, and the cell marked %(mark)s with a dashed "
            "outline is its target. The table after it gives the same values.",
            mark=TARGET_MARK,
        )
    )
    table = document.add_table(rows=1, cols=1 + len(chart.scale))
    table.style = "Table Grid"
    for number, column in enumerate(table.columns):
        column.width = _width(number)  # the grid, for readers that size columns by it
    headings = [_("Key factor"), *(str(chart.ratings[level]) for level in chart.scale)]
    for cell, heading in zip(_sized(table.rows[0]), headings, strict=True):
        cell.paragraphs[0].add_run(heading).bold = True
    _header_row(table.rows[0])
    for row in chart.rows:
        cells = _sized(table.add_row())
        cells[0].text = row.title
        now, goal = row.current_score, row.target_score
        if now is None:  # not rated yet, or not applicable: said in words across the scale
            scale = cells[1].merge(cells[-1])
            words = _("Not rated yet") if row.rating is None else chart.ratings[row.rating]
            scale.paragraphs[0].add_run(str(words)).italic = True
            continue
        for score, cell in enumerate(cells[1:]):
            if score <= now:
                _shade_cell(cell)
            if score == now:
                _mark(cell.paragraphs[0], _("Current rating"), on_bar=True)
            if score == goal:
                _outline_cell(cell)
                paragraph = cell.paragraphs[0] if score != now else cell.add_paragraph()
                _mark(paragraph, f"{TARGET_MARK} {_('Target')}", on_bar=score <= now)

    # The legend, as the SVG's: a swatch of each mark with its name.
    legend = document.add_paragraph()
    bar = _mark(legend, f" {_('Current rating')} ", on_bar=True)
    bar._r.get_or_add_rPr().insert_element_before(_shading(BAR), *AFTER_RUN_SHADING)
    legend.add_run("   ")
    target = _mark(legend, f"{TARGET_MARK} {_('Target')}", on_bar=False)
    target._r.get_or_add_rPr().insert_element_before(_border("w:bdr"), *AFTER_RUN_BORDER)


def _docx_assessment(document, data: dict) -> None:
    chart = data["chart"]
    document.add_paragraph(
        _("Benchmark: %(theme)s", theme=MENTORING_THEMES[data["pair"].mentoring_theme])
    )
    _docx_chart(document, chart)
    document.add_paragraph().add_run(_("Current rating and target per key factor")).bold = True
    rows = []
    for row in chart.rows:
        if row.rating is None:
            rows.append([row.title, _("Not rated yet"), "—", "—"])
            continue
        ratings = [chart.ratings[row.rating], chart.ratings[row.target]]
        rows.append([row.title, *map(str, ratings), str(chart.priorities[row.priority])])
    headings = [_("Key factor"), _("Current rating"), _("Target"), _("Priority")]
    _table(document, headings, rows)


# The actions and the self-assessment follow the outline's sections of those kinds.
PARTS = {SectionKind.ACTIONS: _docx_actions, SectionKind.ASSESSMENT: _docx_assessment}


def render_docx(data: dict) -> bytes:
    plan, language = data["plan"], data["language"]
    document = Document()
    document.core_properties.title = plan.title
    document.core_properties.language = language
    document.add_heading(plan.title, level=0)
    document.add_paragraph(data["pair"].name)
    document.add_paragraph(
        _(
            "Status: %(status)s · Version %(version)s · Last changed %(changed)s · "
            "Exported %(today)s · %(language)s",
            status=data["plan_statuses"][plan.status],
            version=plan.version,
            changed=format_date(plan.updated_at, "long"),
            today=format_date(data["today"], "long"),
            language=language_name(language),
        )
    )
    for number, section in enumerate(data["sections"], start=1):
        document.add_heading(f"{number}. {section.title}", level=1)
        if section.state == "outdated":
            _note(document, _("Translation outdated: the original text has changed since."))
        elif section.state == "missing":
            _note(
                document,
                _(
                    "Not translated — original text in %(language)s.",
                    language=language_name(section.language),
                ),
            )
        if section.revision.body.strip():
            write_html(document, section.body_html, 2)
        else:
            document.add_paragraph(_("This section is empty."))
        if section.section.kind in PARTS:
            PARTS[section.section.kind](document, data)
        open_here = data["comments"].get(section.section.id, [])
        if open_here:
            document.add_heading(_("Open comments"), level=3)
            for comment in open_here:
                _comment(document, comment, reply=False)
                for reply in comment.replies:
                    _comment(document, reply, reply=True)

    kinds = {section.section.kind for section in data["sections"]}
    if SectionKind.ACTIONS not in kinds:
        document.add_heading(_("Actions"), level=1)
        _docx_actions(document, data)
    if SectionKind.ASSESSMENT not in kinds:
        document.add_heading(_("Benchmark self-assessment"), level=1)
        _docx_assessment(document, data)

    out = BytesIO()
    document.save(out)
    return out.getvalue()


@bp.get("/pairs/<int:pair_id>/plans/<int:plan_id>/export.docx")
@login_required
def export_docx(pair_id: int, plan_id: int):
    plan = services.load_plan(pair_id, plan_id)
    language = _export_language(plan)
    with _speaking(language):
        body = render_docx(contents(plan, language, request.args.get("comments") == "1"))
    return _attachment(body, plan, language, "docx", DOCX)


# On the plan page -----------------------------------------------------------------------


@plan_page_extra
def plan_links(plan: Plan, language: str) -> dict:
    """What the plan page's links and export form need (no query)."""
    return {
        "plan_links": {
            "languages": services.languages_of(plan),
            "language": language,
            "translations": "plans.translations" in current_app.view_functions,
        }
    }
