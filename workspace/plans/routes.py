"""The plans of a pair, one plan read in a language, and its sections: editing with safe
concurrent saves, presence, history, diffs and restore."""

from functools import wraps

from flask import (
    abort,
    current_app,
    flash,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from jinja2_fragments.flask import render_block
from werkzeug.exceptions import HTTPException

from .. import activity, db, policy
from ..forms import language_options
from ..htmx import navigate, render
from ..labels import PLAN_STATUSES
from ..links import IdLinks
from ..models import ActivityKind, Plan, PlanSection, RevisionOrigin, SectionKind
from ..page_cache import cached_page
from ..threads.markdown import render as markdown
from . import CSRF_RESCUES, PLAN_PAGE_EXTRAS, bp, services
from .forms import ORIGINS, PlanForm, SectionForm, SectionTitleForm
from .merge import normalise, word_diff

PRESENCE_SECONDS = 10
DRAFTS_SAVED = "plans_drafts_saved"  # session key: browser drafts the next page may forget


# Loading --------------------------------------------------------------------------------


def signed_in_keeping_text(view):
    """For text editors: like login_required, except that a save from someone whose session
    has ended does not send them to the sign-in page empty-handed: they get their text
    back (rescue_page)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.is_authenticated:
            return view(*args, **kwargs)
        if request.method == "POST" and "body" in request.form:
            return rescue_page()
        return current_app.login_manager.unauthorized()

    return wrapped


def _section(pair_id: int, plan_id: int, section_id: int, may=None):
    plan = services.load_plan(pair_id, plan_id, may)
    return plan, services.section_or_404(plan, section_id)


def _text(plan: Plan, section: PlanSection, language: str | None):
    """The section's text in ``language`` (the plan's by default), or 404."""
    language = language or plan.language
    if language not in services.languages_of(plan):
        abort(404)
    text = services.text_for(section, language)
    if text is None or text.current_revision_id is None:
        abort(404)
    return text


def _plan_url(plan: Plan, section: PlanSection | None = None, language: str | None = None):
    return url_for(
        "plans.show",
        pair_id=plan.pair_id,
        plan_id=plan.id,
        lang=language,
        _anchor=f"section-{section.id}" if section is not None else None,
    )


class SectionLinks:
    """The links of each section on the plan page, each kind built once (links.IdLinks)."""

    def __init__(self, plan: Plan, language: str):
        self.plan, self.language = plan, language
        self._built: dict[tuple, IdLinks] = {}

    def _link(self, endpoint: str, section_id: int, **arguments) -> str:
        key = (endpoint, *arguments.items())
        links = self._built.get(key)
        if links is None:
            links = self._built[key] = IdLinks(
                endpoint, "section_id", pair_id=self.plan.pair_id, plan_id=self.plan.id, **arguments
            )
        return links(section_id)

    def edit(self, section_id: int) -> str:
        return self._link("plans.edit_section", section_id)

    def history(self, section_id: int, language: str) -> str:
        return self._link("plans.history", section_id, lang=language)

    def move(self, section_id: int) -> str:
        return self._link("plans.move_section", section_id)

    def remove(self, section_id: int) -> str:
        return self._link("plans.remove_section", section_id)

    def translate(self, section_id: int) -> str:
        return self._link("plans.translate", section_id, lang=self.language)


def draft_key(section_id, language, base_revision_id) -> str:
    """Where the editor keeps unsaved text in the browser (static/js/plans.js)."""
    return f"plan-draft:{section_id}:{language}:{base_revision_id or 0}"


def forget_draft(key: str) -> None:
    """The next page tells the browser it may drop this draft: the text is saved."""
    session[DRAFTS_SAVED] = [*session.get(DRAFTS_SAVED, []), key][-10:]


# The pair's plans -----------------------------------------------------------------------


def _languages(pair):
    return language_options(pair.working_languages)


def _index(pair, form=None, status=200):
    if form is None and policy.can_create_plan(current_user, pair):
        form = PlanForm(_languages(pair), formdata=None)
    return (
        render_template(
            "plans/index.html",
            pair=pair,
            plans=services.plans_of(pair),
            form=form,
            plan_statuses=PLAN_STATUSES,
        ),
        status,
    )


@bp.get("/pairs/<int:pair_id>/plans")
@cached_page
@login_required
def index(pair_id: int):
    return _index(policy.pair_or_404(pair_id))


@bp.post("/pairs/<int:pair_id>/plans")
@login_required
def create(pair_id: int):
    pair = policy.pair_or_404(pair_id, may=policy.can_create_plan)
    form = PlanForm(_languages(pair))
    if not form.validate():
        return _index(pair, form)
    plan = services.create_plan(pair, form.title.data, form.language.data, current_user)
    activity.record(pair, ActivityKind.PLAN_CREATED, current_user, "plan", plan.id, plan.title)
    db.session.commit()
    flash(_("The plan “%(title)s” was created from the default outline.", title=plan.title))
    return navigate(_plan_url(plan))


# One plan, read in a language ------------------------------------------------------------


@bp.get("/pairs/<int:pair_id>/plans/<int:plan_id>")
@cached_page
@login_required
def show(pair_id: int, plan_id: int):
    plan, next_version = services.load_plan_page(pair_id, plan_id)
    languages = services.languages_of(plan)
    language = request.args.get("lang") or services.default_language(plan, str(get_locale()))
    if language not in languages:
        abort(404)
    context = {
        "pair": plan.pair,
        "plan": plan,
        "plan_statuses": PLAN_STATUSES,
        "language": language,
        "languages": languages,
        "sections": services.read_plan(plan, language),
        "section_links": SectionLinks(plan, language),
        # Only editors see the form (plan.html): no form built for readers.
        "new_section_form": (
            SectionTitleForm(formdata=None)
            if policy.can_edit_plan_text(current_user, plan)
            else None
        ),
        "drafts_saved": session.pop(DRAFTS_SAVED, []),
    }
    for extra in PLAN_PAGE_EXTRAS:
        context.update(extra(plan, language))
    context["next_version"] = next_version
    return render("plans/plan.html", "plan_sections", **context)


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/sections")
@login_required
def add_section(pair_id: int, plan_id: int):
    plan = services.load_plan(pair_id, plan_id, policy.can_edit_plan_text)
    form = SectionTitleForm()
    if not form.validate():
        flash(_("Give the new section a title."), "error")
        return navigate(_plan_url(plan, language=plan.language))
    section = services.add_section(plan, SectionKind.CUSTOM, form.title.data, current_user)
    db.session.flush()
    db.session.commit()
    flash(_("The section “%(title)s” was added.", title=form.title.data.strip()))
    return navigate(_plan_url(plan, section, plan.language))


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/move")
@login_required
def move_section(pair_id: int, plan_id: int, section_id: int):
    plan, section = _section(pair_id, plan_id, section_id, policy.can_edit_plan_text)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    services.move_section(section, -1 if direction == "up" else 1)
    db.session.commit()
    return navigate(_plan_url(plan, section, request.form.get("lang") or None))


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/delete")
@login_required
def remove_section(pair_id: int, plan_id: int, section_id: int):
    plan, section = _section(pair_id, plan_id, section_id, policy.can_edit_plan_text)
    title = services.text_for(section, plan.language).current_revision.title
    services.remove_section(section)
    db.session.commit()
    flash(_("The section “%(title)s” was removed.", title=title))
    return navigate(_plan_url(plan, language=plan.language))


# Editing a section (in the plan's language) ---------------------------------------------


def _editor(plan, section, text, form, *, message=None, preview_html=None, status=200):
    return (
        render_template(
            "plans/section_edit.html",
            pair=plan.pair,
            plan=plan,
            section=section,
            text=text,
            head=text.current_revision,
            language=text.language,
            presence_seconds=PRESENCE_SECONDS,
            form=form,
            message=message,
            preview_html=preview_html,
            others=services.also_editing(section, current_user),
            draft_key=draft_key(section.id, text.language, form.base_revision_id.data),
        ),
        status,
    )


@bp.route(
    "/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/edit",
    methods=["GET", "POST"],
)
@signed_in_keeping_text
def edit_section(pair_id: int, plan_id: int, section_id: int):
    plan, section = _section(pair_id, plan_id, section_id)
    if not policy.can_edit_plan_text(current_user, plan):
        if request.method == "POST" and policy.can_edit_plan(current_user, plan.pair):
            return closed_plan_page(plan)  # submitted for review while they were typing
        abort(403)
    text = _text(plan, section, None)
    if request.method == "GET":
        head = text.current_revision
        form = SectionForm(
            formdata=None, title=head.title, body=head.body, base_revision_id=head.id
        )
        return _editor(plan, section, text, form)
    form = SectionForm()
    if not form.validate():
        return _editor(plan, section, text, form)
    if request.form.get("action") == "preview":
        return _editor(plan, section, text, form, preview_html=markdown(form.body.data or ""))
    return _save(plan, section, text, form)


def _save(plan, section, text, form):
    base_id = form.base_revision_id.data
    result = services.save_text(
        text,
        base_revision_id=base_id,
        title=form.title.data,
        body=form.body.data or "",
        author=current_user,
        origin=RevisionOrigin.RESOLVE if form.resolve.data == "1" else RevisionOrigin.EDIT,
    )
    if result.conflict:
        return _conflict(plan, section, text, form, result.head)
    forget_draft(draft_key(section.id, text.language, base_id))
    if result.status == "unchanged":
        flash(_("Nothing had changed in “%(title)s”: no new revision.", title=form.title.data))
    else:
        services.record_revision(plan, result.revision.title, current_user)
        if result.status == "merged":
            who = result.head.author.display_name if result.head.author else _("Someone")
            flash(
                _(
                    "%(name)s saved “%(title)s” while you were editing. Your changes did not "
                    "overlap with theirs, so both were merged: check the result.",
                    name=who,
                    title=result.revision.title,
                ),
                "warning",
            )
        else:
            flash(_("“%(title)s” saved.", title=result.revision.title), "success")
    db.session.commit()
    return navigate(_plan_url(plan, section, text.language))


def _conflict(plan, section, text, form, head):
    """Nothing was saved: their version and the user's side by side, and a form to save a
    resolution made on top of theirs."""
    # As saved: browsers send textareas with CRLF line ends.
    mine_title, mine_body = form.title.data.strip(), normalise(form.body.data or "")
    replaced_key = draft_key(section.id, text.language, form.base_revision_id.data)
    resolution = SectionForm(
        formdata=None, title=mine_title, body=mine_body, base_revision_id=head.id, resolve="1"
    )
    return (
        render_template(
            "plans/section_conflict.html",
            pair=plan.pair,
            plan=plan,
            section=section,
            text=text,
            head=head,
            mine_title=mine_title,
            mine_body=mine_body,
            body_diff=word_diff(head.body, mine_body),
            title_diff=word_diff(head.title, mine_title) if head.title != mine_title else None,
            form=resolution,
            language=text.language,
            presence_seconds=PRESENCE_SECONDS,
            others=services.also_editing(section, current_user),
            draft_key=draft_key(section.id, text.language, head.id),
            replaced_key=replaced_key,
        ),
        409,
    )


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/preview")
@login_required
def preview(pair_id: int, plan_id: int, section_id: int):
    plan, section = _section(pair_id, plan_id, section_id, policy.can_edit_plan_text)
    body = request.form.get("body", "")
    return render_block(
        "plans/section_edit.html",
        "section_preview",
        preview_html=markdown(body),
        language=request.form.get("lang") or plan.language,
    )


def rescue_page(*, closed_plan: Plan | None = None, status: int = 401):
    """The submitted text, given back to someone who can no longer save it (signed out, or
    their session gone): never lost, and kept in the browser (static/js/plans.js) for the
    editor at ``request.path`` to restore after they sign in again. With ``closed_plan``:
    the plan left the draft stage while they typed, and the text is theirs to keep."""
    section_id = (request.view_args or {}).get("section_id")
    language = request.form.get("lang") or request.args.get("lang") or ""
    base = request.form.get("base_revision_id", type=int)
    return (
        render_template(
            "plans/section_rescue.html",
            title=request.form.get("title", ""),
            body=request.form.get("body", ""),
            draft_key=draft_key(section_id, language, base) if section_id and language else None,
            base=base,
            back_url=request.full_path.rstrip("?"),
            closed_plan=closed_plan,
        ),
        status,
    )


def closed_plan_page(plan: Plan):
    """A save on a plan that is no longer a draft: 409, with the text given back."""
    return rescue_page(closed_plan=plan, status=409)


def _rescue_edit():
    """The section editor again after a CSRF failure, with the text as submitted and a
    fresh token."""
    args = request.view_args
    plan, section = _section(
        args["pair_id"], args["plan_id"], args["section_id"], policy.can_edit_plan_text
    )
    text = _text(plan, section, None)
    form = SectionForm()
    form.validate()
    message = _(
        "Your session's security token had expired, so nothing was saved. Your text is "
        "below, as you wrote it: check it and save again."
    )
    return _editor(plan, section, text, form, message=message)


CSRF_RESCUES["plans.edit_section"] = _rescue_edit


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """An expired or missing token on a plan form: give the text back rather than a bare
    400, to the signed-out visitor too."""
    rescue = CSRF_RESCUES.get(request.endpoint)
    if rescue is None or request.method != "POST":
        return render_template("errors/error.html", code=400), 400
    if not current_user.is_authenticated:
        return rescue_page()
    try:
        return rescue()
    except HTTPException as refused:  # no right to that editor (403/404): say so, not a 500
        return render_template("errors/error.html", code=refused.code), refused.code


# Who else has the section open ----------------------------------------------------------


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/presence")
@login_required
def presence(pair_id: int, plan_id: int, section_id: int):
    plan, section = _section(pair_id, plan_id, section_id, policy.can_edit_plan_text)
    language = request.args.get("lang") or plan.language
    if language not in services.languages_of(plan):
        abort(404)
    services.heartbeat(section, current_user, language)
    db.session.commit()
    return render_block(
        "plans/_presence.html",
        "presence_list",
        others=services.also_editing(section, current_user),
    )


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/presence/leave")
@login_required
def leave(pair_id: int, plan_id: int, section_id: int):
    # Not the edit right: someone whose right ended while editing may still say goodbye.
    plan, section = _section(pair_id, plan_id, section_id)
    services.leave(section, current_user)
    db.session.commit()
    return "", 204


# History, diffs and restore -------------------------------------------------------------


@bp.get("/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/history")
@login_required
def history(pair_id: int, plan_id: int, section_id: int):
    plan, section = _section(pair_id, plan_id, section_id)
    text = _text(plan, section, request.args.get("lang"))
    before = request.args.get("before", type=int)
    revisions, next_before = services.history(text, before)
    return render_template(
        "plans/section_history.html",
        pair=plan.pair,
        plan=plan,
        section=section,
        text=text,
        head=text.current_revision,
        revisions=revisions,
        origins=ORIGINS,
        next_before=next_before,
        first_page=before is None,
    )


@bp.get("/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/diff")
@login_required
def diff(pair_id: int, plan_id: int, section_id: int):
    plan, section = _section(pair_id, plan_id, section_id)
    text = _text(plan, section, request.args.get("lang"))
    new = services.revision_or_404(
        text, request.args.get("to", type=int) or text.current_revision_id
    )
    old_id = request.args.get("from", type=int) or new.parent_id
    old = services.revision_or_404(text, old_id) if old_id else None
    if old is not None and old.id > new.id:
        old, new = new, old  # always from the older to the newer
    return render_template(
        "plans/section_diff.html",
        pair=plan.pair,
        plan=plan,
        section=section,
        text=text,
        old=old,
        new=new,
        title_diff=word_diff(old.title if old else "", new.title),
        body_diff=word_diff(old.body if old else "", new.body),
    )


@bp.post(
    "/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>"
    "/revisions/<int:revision_id>/restore"
)
@login_required
def restore(pair_id: int, plan_id: int, section_id: int, revision_id: int):
    plan, section = _section(pair_id, plan_id, section_id, policy.can_edit_plan_text)
    revision = services.revision_or_404(_text(plan, section, request.form.get("lang")), revision_id)
    result = services.restore(revision.text, revision, current_user)
    if result.status == "unchanged":
        flash(_("That revision is the current text already."))
    elif result.conflict:  # others kept saving; their work is not pushed aside
        flash(_("The section kept changing while you restored it: try again."), "error")
    else:
        services.record_revision(plan, result.revision.title, current_user)
        flash(
            _(
                "The revision of %(when)s is the current text again (as a new revision).",
                when=_when(revision),
            ),
            "success",
        )
    db.session.commit()
    return navigate(
        url_for(
            "plans.history",
            pair_id=plan.pair_id,
            plan_id=plan.id,
            section_id=section.id,
            lang=revision.text.language,
        )
    )


def _when(revision) -> str:
    return format_datetime(revision.created_at, "short")
