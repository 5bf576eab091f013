"""Translations of plan sections: the editor that shows the translator what changed in the
source since the revision they translated, and the overview of a plan's translation state."""

from dataclasses import dataclass

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .. import db, policy
from ..htmx import navigate, render
from ..i18n import language_name_here
from ..models import Plan, PlanSection, RevisionOrigin, SectionRevision, SectionText
from ..safety import db_int
from . import CSRF_RESCUES, bp, services
from .forms import BODY_MAX
from .glossary import MAX_QUERY, find_concepts
from .merge import word_diff
from .routes import draft_key, forget_draft, signed_in_keeping_text


class TranslationForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks the request; an expired token: _rescue_translate

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text (Markdown)"), validators=[Optional(), Length(max=BODY_MAX)])
    base_revision_id = HiddenField()  # the translation head the translator started from
    source_revision_id = HiddenField()  # the source head they saw, which the save translates
    resolving = HiddenField()  # "1" after a conflict: the save resolves it
    lang = HiddenField()  # for the rescue page's browser draft (routes.rescue_page)


# Loading --------------------------------------------------------------------------------


def _load(pair_id: int, plan_id: int, section_id: int, language: str):
    """The pair, plan and section the URL names, for a translator into ``language``: 404 for
    outsiders and for a language the plan is not translated into, 403 without the right."""
    pair = policy.pair_or_404(pair_id, may=policy.can_edit_plan)
    plan = services.plan_or_404(pair, plan_id)
    section = services.section_or_404(plan, section_id)
    if language == plan.language or language not in services.languages_of(plan):
        abort(404)
    if not policy.can_edit_plan_text(current_user, plan):
        abort(403)
    source_text = services.text_for(section, plan.language)
    if source_text is None or source_text.current_revision is None:
        abort(404)
    return pair, plan, section, source_text


@dataclass(frozen=True)
class SourceChanges:
    """What changed in the source between the revision a translation translates (``since``,
    None when unknown) and the source head."""

    since: SectionRevision | None
    title: list
    body: list


def _source_changes(translated: SectionRevision | None, source: SectionRevision):
    if translated is None or translated.source_revision_id == source.id:
        return None
    since = translated.source_revision
    if since is None:
        return SourceChanges(None, [], [])
    return SourceChanges(
        since, word_diff(since.title, source.title), word_diff(since.body, source.body)
    )


def _state(translated: SectionRevision | None, source: SectionRevision) -> str:
    if translated is None:
        return "missing"
    return "current" if translated.source_revision_id == source.id else "outdated"


def _editor_context(plan: Plan, section: PlanSection, language: str, source_text: SectionText):
    source = source_text.current_revision
    text = services.text_for(section, language)
    translated = text.current_revision if text is not None else None
    query = request.args.get("q", "")[:MAX_QUERY]
    return {
        "source": source,
        "translated": translated,
        "state": _state(translated, source),
        "changes": _source_changes(translated, source),
        "query": query,
        "concepts": find_concepts(query, [plan.language, language]),
        "source_name": language_name_here(plan.language),
        "target_name": language_name_here(language),
        "others": services.also_editing(section, current_user),
    }


def _page(
    pair,
    plan,
    section,
    language,
    source_text,
    form,
    *,
    conflict=None,
    message=None,
    replaced_key=None,
):
    """The editor as a whole page: after a POST (conflict, errors, expired token) it shows
    what the translator submitted."""
    context = _editor_context(plan, section, language, source_text)
    mine = (form.title.data or "", form.body.data or "")
    return render_template(
        "plans/translate.html",
        pair=pair,
        plan=plan,
        section=section,
        language=language,
        form=form,
        conflict=conflict,
        conflict_diff=word_diff(conflict.body, mine[1]) if conflict is not None else None,
        message=message,
        draft_key=draft_key(section.id, language, form.base_revision_id.data),
        replaced_key=replaced_key,
        **context,
    )


def _plan_url(plan: Plan, section: PlanSection, language: str) -> str:
    return url_for(
        "plans.show",
        pair_id=plan.pair_id,
        plan_id=plan.id,
        lang=language,
        _anchor=f"section-{section.id}",
    )


def _int_or_400(value: str | None, *, required: bool) -> int | None:
    if not value:
        if required:
            abort(400)
        return None
    try:
        return db_int(value)
    except ValueError:
        abort(400)


# The translation editor -----------------------------------------------------------------


@bp.route(
    "/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/translations/<lang>",
    methods=["GET", "POST"],
)
@signed_in_keeping_text
def translate(pair_id: int, plan_id: int, section_id: int, lang: str):
    pair, plan, section, source_text = _load(pair_id, plan_id, section_id, lang)
    if request.method == "POST":
        form = TranslationForm()
        if not form.validate():
            return _page(pair, plan, section, lang, source_text, form)
        return _save(pair, plan, section, lang, source_text, form)
    context = _editor_context(plan, section, lang, source_text)
    translated = context["translated"]
    form = TranslationForm(
        formdata=None,
        data={
            "title": translated.title if translated else "",
            "body": translated.body if translated else "",
            "base_revision_id": translated.id if translated else "",
            "source_revision_id": context["source"].id,
            "lang": lang,
        },
    )
    # To htmx (the glossary's search box) only the glossary block.
    return render(
        "plans/translate.html",
        "glossary_terms",
        pair=pair,
        plan=plan,
        section=section,
        language=lang,
        form=form,
        conflict=None,
        conflict_diff=None,
        message=None,
        draft_key=draft_key(section.id, lang, form.base_revision_id.data),
        **context,
    )


def _save(pair, plan, section, lang, source_text, form):
    source_id = _int_or_400(form.source_revision_id.data, required=True)
    seen = db.session.get(SectionRevision, source_id)
    if seen is None or seen.text_id != source_text.id:
        abort(400)
    base_id = _int_or_400(form.base_revision_id.data, required=False)
    text = services.text_or_new(section, lang)
    result = services.save_text(
        text,
        base_revision_id=base_id,
        title=form.title.data,
        body=form.body.data or "",
        author=current_user,
        origin=RevisionOrigin.RESOLVE if form.resolving.data == "1" else RevisionOrigin.EDIT,
        source_revision_id=source_id,
    )
    if result.conflict:
        db.session.rollback()
        replaced_key = draft_key(section.id, lang, base_id)
        # The next save resolves on top of what is there now.
        form.base_revision_id.data = str(result.head.id) if result.head else ""
        form.resolving.data = "1"
        page = _page(
            pair,
            plan,
            section,
            lang,
            source_text,
            form,
            conflict=result.head,
            replaced_key=replaced_key,
        )
        return page, 409

    forget_draft(draft_key(section.id, lang, base_id))
    if result.status != "unchanged":
        services.record_revision(plan, result.revision.title, current_user)
    source_head = db.session.scalar(
        select(SectionText.current_revision_id).where(SectionText.id == source_text.id)
    )
    db.session.commit()
    if result.status == "merged":
        flash(
            _(
                "Someone saved this translation while you were editing. Your changes did not "
                "overlap with theirs, so both were merged: check the result."
            ),
            "warning",
        )
    elif result.status == "unchanged":
        flash(_("Nothing had changed in the translation: no new revision."))
    else:
        flash(
            _("Translation into %(language)s saved.", language=language_name_here(lang)), "success"
        )
    if source_head != source_id:
        flash(
            _("The source changed while you were translating: the translation is still outdated."),
            "warning",
        )
    return navigate(_plan_url(plan, section, lang))


def _rescue_translate():
    """The translation editor again after a CSRF failure, with the text as submitted and a
    fresh token."""
    args = request.view_args
    pair, plan, section, source_text = _load(
        args["pair_id"], args["plan_id"], args["section_id"], args["lang"]
    )
    form = TranslationForm()
    form.validate()
    message = _(
        "Your session's security token had expired, so nothing was saved. Your text is "
        "below, as you wrote it: check it and save again."
    )
    return _page(pair, plan, section, args["lang"], source_text, form, message=message)


CSRF_RESCUES["plans.translate"] = _rescue_translate


# The overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRow:
    section: PlanSection
    source: SectionRevision
    translations: dict[str, tuple[str, SectionRevision | None]]  # language → (state, head)


@bp.get("/pairs/<int:pair_id>/plans/<int:plan_id>/translations")
@login_required
def translations(pair_id: int, plan_id: int):
    pair = policy.pair_or_404(pair_id)
    plan = services.plan_or_404(pair, plan_id)
    languages = services.languages_of(plan)
    targets = languages[1:]
    sections = db.session.scalars(
        select(PlanSection)
        .where(PlanSection.plan_id == plan.id)
        .order_by(PlanSection.position, PlanSection.id)
    ).all()
    heads = services.current_revisions(plan, set(languages))
    rows = []
    counts = {code: {"current": 0, "outdated": 0, "missing": 0} for code in targets}
    for section in sections:
        source = heads.get((section.id, plan.language))
        if source is None:
            continue
        cells = {}
        for code in targets:
            head = heads.get((section.id, code))
            state = _state(head, source)
            counts[code][state] += 1
            cells[code] = (state, head)
        rows.append(OverviewRow(section, source, cells))
    return render_template(
        "plans/translations.html",
        pair=pair,
        plan=plan,
        targets=targets,
        rows=rows,
        counts=counts,
    )
