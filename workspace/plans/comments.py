"""Comments on plan sections: anchored to the source revision current when written, one level
of replies, resolve / reopen. Everyone who sees the pair comments, network members too; the
plan page loads every comment of the plan in one query."""

from dataclasses import dataclass, field
from functools import cache, cached_property

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import db, policy
from ..forms import language_options
from ..htmx import navigate, wants_fragment
from ..links import IdLinks
from ..models import (
    NotificationKind,
    Plan,
    PlanSection,
    SectionComment,
    SectionRevision,
    SectionText,
    User,
    utcnow,
)
from ..notifications.services import notify
from ..threads.markdown import render
from ..threads.services import language_codes
from . import bp, plan_page_extra, services

BODY_MAX = 10_000
EXCERPT = 280  # characters of a comment a notification carries


# Forms ----------------------------------------------------------------------------------


class CommentForm(FlaskForm):
    """A comment or a reply. Prefixed per section or thread: a plan page holds many."""

    body = TextAreaField(
        _l("Comment"),
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description=_l("Markdown: *italic*, **bold**, [link](https://…), > quote, - list."),
    )
    language = SelectField(_l("Language of the comment"), validators=[DataRequired()])

    def __init__(self, plan: Plan, reading: str, choices: list | None = None, **kwargs):
        super().__init__(**kwargs)
        if self._prefix.endswith("-reply-"):
            # Beside the new-comment box on the same page: a label of its own.
            self.body.label.text = _("Reply")
        codes = language_codes(plan.pair)
        # A page of many forms passes the options, made once (language_options(codes)).
        self.language.choices = choices if choices is not None else language_options(codes)
        if not self.language.data:
            self.language.data = reading if reading in codes else codes[0]


def section_prefix(section_id: int) -> str:
    return f"section-{section_id}-comment"


def reply_prefix(comment_id: int) -> str:
    return f"comment-{comment_id}-reply"


# Loading for the plan page --------------------------------------------------------------


@dataclass
class CommentThread:
    """A top-level comment and its replies, oldest first."""

    comment: SectionComment
    replies: list[SectionComment] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return not self.comment.is_resolved


class CommentTools:
    """What the comment partial asks while rendering: the current user's rights (asked of
    the policy once per page, not once per section), forms (bound ones carry errors), the
    links of each section and comment, and the link to what changed since a comment's
    revision."""

    def __init__(self, plan: Plan, reading: str, bound: dict[str, CommentForm] | None = None):
        self.plan, self.reading, self.bound = plan, reading, bound or {}
        ids = {"pair_id": plan.pair_id, "plan_id": plan.id}
        self.comment_url = _Lazy(lambda: IdLinks("plans.comment", "section_id", **ids))
        self.reply_url = _Lazy(lambda: IdLinks("plans.reply_to_comment", "comment_id", **ids))
        self.resolve_url = _Lazy(lambda: IdLinks("plans.resolve_comment", "comment_id", **ids))
        self.reopen_url = _Lazy(lambda: IdLinks("plans.reopen_comment", "comment_id", **ids))

    @cached_property
    def may_comment(self) -> bool:
        return policy.can_comment_on_plan(current_user, self.plan)

    def may_resolve(self, comment: SectionComment) -> bool:
        return self.may_comment and policy.can_resolve_comment(current_user, comment)

    @cached_property
    def _languages(self) -> list:
        return language_options(language_codes(self.plan.pair))

    def _form(self, prefix: str) -> CommentForm:
        if prefix in self.bound:
            return self.bound[prefix]
        return CommentForm(
            self.plan, self.reading, prefix=prefix, formdata=None, choices=self._languages
        )

    def new(self, section: PlanSection) -> CommentForm:
        return self._form(section_prefix(section.id))

    def reply(self, comment: SectionComment) -> CommentForm:
        return self._form(reply_prefix(comment.id))

    def diff_url(self, section: PlanSection, comment: SectionComment, head_id: int):
        """The diff from the comment's revision to the source head, when the editor has one."""
        if "plans.diff" not in current_app.view_functions:
            return None
        try:
            arguments = {"lang": self.plan.language, "from": comment.revision_id, "to": head_id}
            return url_for(
                "plans.diff",
                pair_id=self.plan.pair_id,
                plan_id=self.plan.id,
                section_id=section.id,
                **arguments,
            )
        except BuildError:
            return None


class _Lazy:
    """An IdLinks built when first called: most pages need few of them."""

    def __init__(self, build):
        self._build, self._links = build, None

    def __call__(self, object_id: int) -> str:
        if self._links is None:
            self._links = self._build()
        return self._links(object_id)


@cache
def _comments_query():
    # Built once per process, as statements with eager loads cost more to build than to run.
    return (
        select(SectionComment)
        .join(PlanSection, PlanSection.id == SectionComment.section_id)
        .where(PlanSection.plan_id == bindparam("plan_id"))
        .options(joinedload(SectionComment.author), joinedload(SectionComment.resolved_by))
        .order_by(SectionComment.id)
    )


def comment_threads(plan: Plan) -> dict[int, list[CommentThread]]:
    """Every comment of the plan, as threads by section id: one query."""
    comments = db.session.scalars(_comments_query(), {"plan_id": plan.id}).all()
    threads: dict[int, CommentThread] = {}
    by_section: dict[int, list[CommentThread]] = {}
    for comment in comments:  # oldest first: a parent comes before its replies
        if comment.parent_id is None:
            thread = threads[comment.id] = CommentThread(comment)
            by_section.setdefault(comment.section_id, []).append(thread)
        elif comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    return by_section


@plan_page_extra
def comments_extra(plan: Plan, language: str, bound=None) -> dict:
    return {
        "comments_by_section": comment_threads(plan),
        "comment_tools": CommentTools(plan, language, bound),
    }


# Writing --------------------------------------------------------------------------------


def source_head_id(section: PlanSection) -> int | None:
    return db.session.scalar(
        select(SectionText.current_revision_id).where(
            SectionText.section_id == section.id,
            SectionText.language == section.plan.language,
        )
    )


def add_comment(
    section: PlanSection,
    author: User,
    body: str,
    language: str,
    parent: SectionComment | None = None,
) -> SectionComment:
    """A comment (or a reply to a top-level one), anchored to the section's source revision
    as it is now; tells the section's authors and commenters."""
    if parent is not None and parent.parent_id is not None:
        # One level: a reply to a reply joins the thread.
        parent = db.session.get(SectionComment, parent.parent_id)
    comment = SectionComment(
        section=section,
        revision_id=source_head_id(section),
        parent_id=parent.id if parent is not None else None,
        author=author,
        language=language,
        body=body.strip(),
        body_html=render(body.strip()),
    )
    db.session.add(comment)
    db.session.flush()
    _notify_comment(section, comment)
    return comment


def _notify_comment(section: PlanSection, comment: SectionComment) -> None:
    plan = section.plan
    revision_authors = (
        select(SectionRevision.author_id)
        .join(SectionText, SectionText.id == SectionRevision.text_id)
        .where(SectionText.section_id == section.id)
    )
    commenters = select(SectionComment.author_id).where(SectionComment.section_id == section.id)
    people = db.session.scalars(
        select(User)
        .where(User.id.in_(revision_authors.union(commenters).scalar_subquery()))
        .order_by(User.id)
    ).all()
    head = db.session.get(SectionRevision, comment.revision_id) if comment.revision_id else None
    excerpt = comment.body if len(comment.body) <= EXCERPT else comment.body[:EXCERPT] + "…"
    notify(
        [u for u in people if policy.can_see_pair(u, plan.pair)],
        NotificationKind.PLAN_COMMENT,
        actor=comment.author,
        pair=plan.pair,
        subject_type="plan",
        subject_id=plan.id,
        url=url_for("plans.show", pair_id=plan.pair_id, plan_id=plan.id) + f"#comment-{comment.id}",
        title=f"{plan.title} · {head.title}" if head is not None else plan.title,
        detail=excerpt,
    )


def set_resolved(comment: SectionComment, user: User, resolved: bool) -> None:
    if resolved and comment.resolved_at is None:
        comment.resolved_at, comment.resolved_by = utcnow(), user
    elif not resolved:
        comment.resolved_at, comment.resolved_by = None, None


# Routes ---------------------------------------------------------------------------------


def _comment_or_404(plan: Plan, comment_id: int) -> SectionComment:
    comment = db.session.get(SectionComment, comment_id)
    if comment is None or comment.section.plan_id != plan.id:
        abort(404)
    return comment


def _reading(plan: Plan) -> str:
    """The language the page was read in (sent back by the form), to return to it."""
    language = request.form.get("lang", "")
    return language if language in services.languages_of(plan) else plan.language


def _plan_url(plan: Plan, language: str, anchor: str) -> str:
    return url_for(
        "plans.show",
        pair_id=plan.pair_id,
        plan_id=plan.id,
        lang=language,
        _anchor=anchor,
    )


def _respond(plan, section, language, *, anchor, status=None, bound=None):
    """After a write: the section's comments again to htmx, else back to the plan page.
    An invalid form: its errors in the section's comments (htmx) or on a page of its own."""
    if not wants_fragment() and bound is None:
        return navigate(_plan_url(plan, language, anchor))
    read = next(rs for rs in services.read_plan(plan, language) if rs.section.id == section.id)
    context = {
        "pair": plan.pair,
        "plan": plan,
        "language": language,
        "rs": read,
        "comment_status": status,
        **comments_extra(plan, language, bound),
    }
    if wants_fragment():
        return render_block("plans/_section_comments.html", "section_comments", **context)
    return render_template("plans/comment.html", **context)


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/sections/<int:section_id>/comments")
@login_required
def comment(pair_id: int, plan_id: int, section_id: int):
    plan = services.load_plan(pair_id, plan_id, may=policy.can_comment_on_plan)
    section = services.section_or_404(plan, section_id)
    language = _reading(plan)
    prefix = section_prefix(section.id)
    form = CommentForm(plan, language, prefix=prefix)
    if not form.validate_on_submit():
        return _respond(plan, section, language, anchor="", bound={prefix: form})
    made = add_comment(section, current_user, form.body.data, form.language.data)
    db.session.commit()
    return _respond(
        plan, section, language, anchor=f"comment-{made.id}", status=_("Comment added.")
    )


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/comments/<int:comment_id>/replies")
@login_required
def reply_to_comment(pair_id: int, plan_id: int, comment_id: int):
    plan = services.load_plan(pair_id, plan_id, may=policy.can_comment_on_plan)
    replied = _comment_or_404(plan, comment_id)
    language = _reading(plan)
    prefix = reply_prefix(replied.id)
    form = CommentForm(plan, language, prefix=prefix)
    if not form.validate_on_submit():
        return _respond(plan, replied.section, language, anchor="", bound={prefix: form})
    made = add_comment(replied.section, current_user, form.body.data, form.language.data, replied)
    db.session.commit()
    return _respond(
        plan, replied.section, language, anchor=f"comment-{made.id}", status=_("Reply added.")
    )


def _resolve(pair_id: int, plan_id: int, comment_id: int, resolved: bool):
    plan = services.load_plan(pair_id, plan_id, may=policy.can_comment_on_plan)
    comment = _comment_or_404(plan, comment_id)
    if comment.parent_id is not None:  # a thread is resolved as a whole, by its first comment
        abort(404)
    if not policy.can_resolve_comment(current_user, comment):
        abort(403)
    set_resolved(comment, current_user, resolved)
    db.session.commit()
    status = _("Comment resolved.") if resolved else _("Comment reopened.")
    return _respond(
        plan, comment.section, _reading(plan), anchor=f"comment-{comment.id}", status=status
    )


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/comments/<int:comment_id>/resolve")
@login_required
def resolve_comment(pair_id: int, plan_id: int, comment_id: int):
    return _resolve(pair_id, plan_id, comment_id, True)


@bp.post("/pairs/<int:pair_id>/plans/<int:plan_id>/comments/<int:comment_id>/reopen")
@login_required
def reopen_comment(pair_id: int, plan_id: int, comment_id: int):
    return _resolve(pair_id, plan_id, comment_id, False)
