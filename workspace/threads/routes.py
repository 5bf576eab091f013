"""Thread pages: pair and cluster thread lists, a thread with its posts, writing, following,
reading, live polling and moderation. Every view decides access through ``policy``."""

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import CombinedMultiDict

from .. import attachments, db, policy
from ..auth.services import session_user_id
from ..htmx import render, wants_fragment
from ..models import (
    Cluster,
    ModerationAction,
    ModerationKind,
    Pair,
    Post,
    SubscriptionState,
    Thread,
)
from ..page_cache import cached_page
from ..safety import DB_INT_MAX, db_int
from . import markdown, services
from .forms import BulkModerationForm, EditForm, ModerationForm, ReplyForm, ThreadForm

bp = Blueprint("threads", __name__)

MODERATION_PAGE_SIZE = 50


# Loading and access ---------------------------------------------------------------------


def _thread_query():
    return select(Thread).options(
        joinedload(Thread.pair).joinedload(Pair.mentor_city),
        joinedload(Thread.pair).joinedload(Pair.mentee_city),
        joinedload(Thread.cluster),
    )


def thread_or_404(thread_id: int, may=None) -> Thread:
    """The thread the URL names; 404 unless the user may see it, 403 without the right."""
    thread = db.session.scalar(_thread_query().where(Thread.id == thread_id))
    if thread is None or not policy.can_see_thread(current_user, thread):
        abort(404)
    if may is not None and not may(current_user, thread):
        abort(403)
    return thread


def post_or_404(post_id: int, may=None) -> Post:
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    thread_or_404(post.thread_id)  # 404 unless the user sees the thread
    if not policy.can_read_post(current_user, post):
        abort(404)
    if may is not None and not may(current_user, post):
        abort(403)
    return post


def cluster_or_404(cluster_id: int) -> Cluster:
    """Cluster threads: the cluster's consultants, admins and core members of its pairs."""
    cluster = db.session.get(Cluster, cluster_id)
    if cluster is None or not policy.can_start_cluster_thread(current_user, cluster.id):
        abort(404)
    return cluster


def _place(thread: Thread):
    return thread.pair if thread.pair_id is not None else thread.cluster


# Lists ----------------------------------------------------------------------------------


def _before_key():
    at, thread_id = request.args.get("before_at"), request.args.get("before_id", type=int)
    if not at or thread_id is None:
        return None
    try:
        return datetime.fromisoformat(at), thread_id
    except ValueError:
        abort(400)


def _list(pair: Pair | None = None, cluster: Cluster | None = None):
    rows, after = services.thread_list(
        current_user,
        pair=pair,
        cluster_id=cluster.id if cluster is not None else None,
        before=_before_key(),
    )
    return render(
        "threads/index.html",
        "thread_list",
        pair=pair,
        cluster=cluster,
        rows=rows,
        next_key=after,
        first_page=request.args.get("before_id") is None,
    )


@bp.get("/pairs/<int:pair_id>/threads")
@cached_page
@login_required
def index(pair_id: int):
    return _list(pair=policy.pair_or_404(pair_id))


@bp.get("/clusters/<int:cluster_id>/threads")
@login_required
def cluster_index(cluster_id: int):
    return _list(cluster=cluster_or_404(cluster_id))


# Starting a thread ----------------------------------------------------------------------


def _new(pair: Pair | None = None, cluster: Cluster | None = None):
    place = pair or cluster
    form = ThreadForm(services.language_codes(pair))
    if not form.is_submitted():
        codes = services.language_codes(pair)
        form.language.data = str(get_locale()) if str(get_locale()) in codes else codes[0]
    if form.validate_on_submit():
        thread = services.start_thread(
            current_user,
            title=form.title.data,
            body=form.body.data,
            language=form.language.data,
            pair=pair,
            cluster=cluster,
            open_to_network=form.open_to_network.data if pair is not None else False,
        )
        first_post = db.session.get(Post, thread.last_post_id)
        attachments.save_all(form.files, post=first_post, user=current_user)
        db.session.commit()
        return redirect(url_for(".show", thread_id=thread.id), code=303)
    return render(
        "threads/new.html", "new_thread", form=form, pair=pair, cluster=cluster, place=place
    )


@bp.route("/pairs/<int:pair_id>/threads/new", methods=["GET", "POST"])
@login_required
def create(pair_id: int):
    return _new(pair=policy.pair_or_404(pair_id, may=policy.can_contribute))


@bp.route("/clusters/<int:cluster_id>/threads/new", methods=["GET", "POST"])
@login_required
def cluster_create(cluster_id: int):
    return _new(cluster=cluster_or_404(cluster_id))


# A thread -------------------------------------------------------------------------------


def _reply_form(thread: Thread, formdata=None, quote: Post | None = None) -> ReplyForm:
    codes = services.language_codes(_place(thread))
    kwargs = {} if formdata is None else {"formdata": formdata}
    form = ReplyForm(codes, **kwargs)
    if formdata is None:
        form.language.data = thread.language if thread.language in codes else codes[0]
        if quote is not None:
            author = str(quote.author.display_name) if quote.author else _("Former member")
            form.body.data = markdown.quote(quote.body, author)
            form.reply_to.data = str(quote.id)
            form.language.data = quote.language if quote.language in codes else codes[0]
    return form


def _show(thread: Thread, form: ReplyForm | None = None, posted: Post | None = None):
    after = request.args.get("after", type=int)
    before = request.args.get("before", type=int)
    page = services.post_page(thread, after=after, before=before)
    subscription = services.subscription(current_user, thread)
    quote = None
    if form is None:
        quote_id = request.args.get("quote", type=int)
        if quote_id is not None:
            quote = db.session.get(Post, quote_id)
            if (
                quote is None
                or quote.thread_id != thread.id
                or not policy.can_read_post(current_user, quote)
            ):
                quote = None
        form = _reply_form(thread, quote=quote)
    last_read = subscription.last_read_post_id if subscription else 0
    rights = policy.post_rights(current_user, thread)
    shown_last = page.posts[-1].id if page.posts else 0
    return render(
        "threads/show.html",
        _show_block(),
        thread=thread,
        place=_place(thread),
        posts_page=page,
        subscription=subscription,
        last_read=last_read,
        mark_read_up_to=shown_last if shown_last > last_read else None,
        rights=rights,
        moderates=rights.moderates,
        sees_content=rights.reads_thread,
        form=form,
        posted=posted,
        mentionable=[u for u in services.mentionable(thread) if u.id != current_user.id],
        handle=services.handle,
    )


def _show_block() -> str:
    return "reply_panel" if request.method == "POST" else "thread_page"


@bp.get("/threads/<int:thread_id>")
@cached_page
@login_required
def show(thread_id: int):
    return _show(thread_or_404(thread_id))


@bp.post("/threads/<int:thread_id>/reply")
@login_required
def reply(thread_id: int):
    thread = thread_or_404(thread_id, may=policy.can_reply)
    form = _reply_form(thread, formdata=CombinedMultiDict((request.files, request.form)))
    if form.validate_on_submit():
        reply_to = None
        if (form.reply_to.data or "").isdigit() and int(form.reply_to.data) <= DB_INT_MAX:
            reply_to = db.session.get(Post, int(form.reply_to.data))
            if reply_to is None or reply_to.thread_id != thread.id:
                reply_to = None
        post = services.reply(thread, current_user, form.body.data, form.language.data, reply_to)
        attachments.save_all(form.files, post=post, user=current_user)
        db.session.commit()
        if not wants_fragment():
            return redirect(_latest_url(thread, post), code=303)
        body, headers = _show(thread, form=_reply_form(thread), posted=post)
        return body, 200, {**headers, "HX-Trigger": "thread-changed"}
    return _show(thread, form=form)


def _latest_url(thread: Thread, post: Post) -> str:
    """The page that ends with the new post."""
    return url_for(".show", thread_id=thread.id, before=post.id + 1) + f"#post-{post.id}"


@bp.app_template_global()
def post_version(post: Post) -> str:
    return services.post_version(post)


@bp.get("/threads/<int:thread_id>/poll")
@cached_page
def poll(thread_id: int):
    """New posts after ?after=; when the thread's change count is no longer ?changes=, also
    the shown posts from ?first= again and the thread's status, to replace them in place.
    304 when the thread row says nothing changed: one statement by primary keys, which also
    loads the signed-in account and its standing (hence no ``login_required`` before it)."""
    thread, _account = services.thread_for_poll(thread_id, session_user_id())
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if thread is None or not policy.can_see_thread(current_user, thread):
        abort(404)
    after = request.args.get("after", default=0, type=int)
    first = request.args.get("first", default=after, type=int)
    etag = (
        f"t{thread.id}-{thread.last_post_id}-c{thread.change_count}"
        f"-u{current_user.id}-{get_locale()}"
    )
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        rights = policy.post_rights(current_user, thread)
        posts = services.posts_after(thread, after) if rights.reads_thread else []
        # The page's own posts again, as the viewer may now see them (a hidden thread's
        # posts turn into placeholders for those who may no longer read it).
        changed = None
        if request.args.get("changes", type=int) not in (None, thread.change_count):
            changed = services.posts_between(thread, first, after) if after else []
        newest = posts[-1].id if posts else after
        body, headers = render(
            "threads/show.html",
            "thread_poller",
            thread=thread,
            new_posts=posts,
            changed_posts=changed,
            poll_after=newest,
            poll_first=first,
            rights=rights,
            mark_read_up_to=newest if posts else None,
        )
        response = make_response(body, 200, headers)
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("HX-Request")
    return response


@bp.post("/threads/<int:thread_id>/read")
@login_required
def mark_read(thread_id: int):
    """Fired by htmx when the page has shown the posts (a GET never writes), or by a button."""
    thread = thread_or_404(thread_id)
    up_to = request.form.get("up_to", type=int) or thread.last_post_id
    services.mark_read(current_user, thread, up_to)
    db.session.commit()
    if wants_fragment():
        return "", 204
    return redirect(url_for(".show", thread_id=thread.id), code=303)


@bp.post("/threads/<int:thread_id>/subscription")
@login_required
def subscribe(thread_id: int):
    thread = thread_or_404(thread_id)
    state = request.form.get("state", "")
    try:
        services.set_state(current_user, thread, SubscriptionState(state) if state else None)
    except ValueError:
        abort(400)
    db.session.commit()
    if wants_fragment():
        return render(
            "threads/show.html",
            "subscription",
            thread=thread,
            subscription=services.subscription(current_user, thread),
        )
    return redirect(url_for(".show", thread_id=thread.id), code=303)


# Own posts ------------------------------------------------------------------------------


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit_post(post_id: int):
    post = post_or_404(post_id, may=policy.can_edit_post)
    form = EditForm()
    if not form.is_submitted():
        form.body.data = post.body
    if form.validate_on_submit():
        services.edit_post(post, current_user, form.body.data)
        if attachments.save_all(form.files, post=post, user=current_user):
            services.mark_changed(post.thread)
        db.session.commit()
        return redirect(services.thread_url(post.thread, post), code=303)
    return render("threads/edit.html", "edit_post", post=post, thread=post.thread, form=form)


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete_post(post_id: int):
    post = post_or_404(post_id, may=policy.can_edit_post)
    services.delete_post(post)
    db.session.commit()
    return redirect(services.thread_url(post.thread, post), code=303)


@bp.get("/posts/<int:post_id>/history")
@login_required
def post_history(post_id: int):
    post = post_or_404(post_id)
    deleted = post.deleted_at is not None and post.author_id != current_user.id
    if deleted and not policy.can_moderate_thread(current_user, post.thread):
        abort(404)
    return render(
        "threads/history.html",
        "post_history",
        post=post,
        thread=post.thread,
        revisions=services.revisions(post),
    )


# Moderation -----------------------------------------------------------------------------

THREAD_ACTIONS = {kind.value: kind for kind in services.THREAD_ACTIONS}
POST_ACTIONS = {kind.value: kind for kind in services.POST_ACTIONS}


@bp.route("/threads/<int:thread_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate_thread(thread_id: int):
    thread = thread_or_404(thread_id, may=policy.can_moderate_thread)
    form = ModerationForm()
    action = THREAD_ACTIONS.get(request.values.get("action", ""))
    if form.validate_on_submit():
        if action is None:
            abort(400)
        services.moderate_thread(thread, current_user, action, form.reason.data)
        db.session.commit()
        flash(_("Done. The author has been told why."), "success")
        return redirect(url_for(".show", thread_id=thread.id), code=303)
    return render(
        "threads/moderate.html",
        "moderation_form",
        thread=thread,
        post=None,
        form=form,
        action=action,
        moderation_labels=services.MODERATION_LABELS,
        actions=_thread_actions(thread),
    )


def _thread_actions(thread: Thread) -> list[ModerationKind]:
    return [
        ModerationKind.UNPIN if thread.pinned else ModerationKind.PIN,
        ModerationKind.UNLOCK if thread.locked else ModerationKind.LOCK,
        ModerationKind.RESTORE if thread.hidden else ModerationKind.HIDE,
    ]


@bp.route("/posts/<int:post_id>/moderate", methods=["GET", "POST"])
@login_required
def moderate_post(post_id: int):
    post = post_or_404(post_id, may=lambda user, p: policy.can_moderate_thread(user, p.thread))
    form = ModerationForm()
    action = POST_ACTIONS.get(request.values.get("action", ""))
    if form.validate_on_submit():
        if action is None:
            abort(400)
        services.moderate_post(post, current_user, action, form.reason.data)
        db.session.commit()
        flash(_("Done. The author has been told why."), "success")
        return redirect(services.thread_url(post.thread, post), code=303)
    return render(
        "threads/moderate.html",
        "moderation_form",
        thread=post.thread,
        post=post,
        form=form,
        action=action,
        moderation_labels=services.MODERATION_LABELS,
        actions=[ModerationKind.RESTORE if post.hidden else ModerationKind.HIDE],
    )


def _moderated_threads(query):
    """Limit a query over Thread to the threads the current user moderates."""
    if current_user.is_admin:
        return query
    clusters = policy.consulted_cluster_ids(current_user)
    pairs = select(Pair.id).where(Pair.cluster_id.in_(clusters))
    return query.where(or_(Thread.cluster_id.in_(clusters), Thread.pair_id.in_(pairs)))


def _moderator_required():
    if not (current_user.is_admin or policy.consulted_cluster_ids(current_user)):
        abort(403)


@bp.route("/moderation", methods=["GET", "POST"])
@login_required
def moderation():
    """Recent posts and hidden items across the clusters the user moderates; bulk actions."""
    _moderator_required()
    before = request.args.get("before", type=int)
    form = BulkModerationForm()
    recent_query = _moderated_threads(select(Post).join(Thread, Thread.id == Post.thread_id))
    if before:
        recent_query = recent_query.where(Post.id < before)
    recent = list(
        db.session.scalars(
            recent_query.options(
                joinedload(Post.author),
                joinedload(Post.current_revision),
                joinedload(Post.thread),
            )
            .order_by(Post.id.desc())
            .limit(MODERATION_PAGE_SIZE + 1)
        )
    )
    more = len(recent) > MODERATION_PAGE_SIZE
    recent = recent[:MODERATION_PAGE_SIZE]
    hidden_posts = list(
        db.session.scalars(
            _moderated_threads(select(Post).join(Thread, Thread.id == Post.thread_id))
            .where(Post.hidden.is_(True))
            .options(joinedload(Post.author), joinedload(Post.thread))
            .order_by(Post.id.desc())
            .limit(MODERATION_PAGE_SIZE)
        )
    )
    hidden_threads = list(
        db.session.scalars(
            _moderated_threads(select(Thread))
            .where(Thread.hidden.is_(True))
            .order_by(Thread.id.desc())
            .limit(MODERATION_PAGE_SIZE)
        )
    )
    log = list(
        db.session.scalars(
            _moderated_threads(
                select(ModerationAction).join(Thread, Thread.id == ModerationAction.thread_id)
            )
            .options(joinedload(ModerationAction.actor), joinedload(ModerationAction.thread))
            .order_by(ModerationAction.id.desc())
            .limit(20)
        )
    )
    form.posts.choices = [(p.id, str(p.id)) for p in {*recent, *hidden_posts}]
    if request.method == "POST":
        ids = request.form.getlist("posts", type=db_int)
        form.posts.choices = [(i, str(i)) for i in ids if i > 0]
        if form.validate_on_submit():
            done = _bulk(form)
            db.session.commit()
            flash(ngettext("%(num)d post moderated.", "%(num)d posts moderated.", done), "success")
            return redirect(url_for(".moderation"), code=303)
    return render(
        "threads/moderation.html",
        "moderation_page",
        form=form,
        recent=recent,
        hidden_posts=hidden_posts,
        hidden_threads=hidden_threads,
        log=log,
        moderation_labels=services.MODERATION_LABELS,
        next_before=recent[-1].id if more else None,
    )


def _bulk(form: BulkModerationForm) -> int:
    action = POST_ACTIONS[form.action.data]
    posts = db.session.scalars(
        select(Post)
        .where(Post.id.in_(form.posts.data))
        .options(joinedload(Post.thread), joinedload(Post.author))
    )
    done = 0
    for post in posts:
        if not policy.can_moderate_thread(current_user, post.thread):
            abort(403)
        if post.hidden != (action is ModerationKind.HIDE):
            services.moderate_post(post, current_user, action, form.reason.data)
            done += 1
    return done
