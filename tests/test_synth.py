"""The synthetic programme (``flask --app wsgi demo synth``): exact sizes, every role in every
pair, deterministic for a seed, denormalised columns as the app keeps them, and pages the app
serves from it."""

import itertools
from collections import Counter, defaultdict

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from conftest import DATABASES, make_test_app, postgres_schema
from workspace import db as database
from workspace.demo.synth import SYNTH_PASSWORD, Sizes, synthesize
from workspace.models import (
    Activity,
    ActivityKind,
    Base,
    Cluster,
    Membership,
    ModerationAction,
    OrganisationKind,
    Pair,
    Plan,
    PlanReviewStep,
    PlanSection,
    PlanStatus,
    Post,
    PostRevision,
    Role,
    SectionRevision,
    SectionText,
    Side,
    Task,
    TaskList,
    TaskStatus,
    Thread,
    User,
    cluster_consultant,
)
from workspace.threads import markdown

SMALL = {"pairs": 4, "users": 60, "posts": 500, "tasks": 100, "revisions": 50}
ARGS = [part for name, value in SMALL.items() for part in (f"--{name}", str(value))]


@pytest.fixture
def synth(app, runner):
    result = runner.invoke(args=["demo", "synth", *ARGS, "--seed", "1"])
    assert result.exit_code == 0, result.output
    return result.output


def _count(model, *where):
    return database.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_requested_numbers_exactly(synth):
    assert _count(Pair) == 4
    assert _count(User) == 60
    assert _count(Post) == 500
    assert _count(Task) == 100
    assert _count(SectionRevision) == 50
    # Progress per table: rows and seconds.
    assert "post" in synth and "500 rows" in synth and " s" in synth


def test_every_pair_has_every_role_on_both_sides(synth):
    for pair in database.session.scalars(select(Pair)):
        positions = {(m.role, m.side) for m in pair.memberships}
        for role, side in [
            (Role.MENTOR, Side.MENTOR),
            (Role.MENTEE, Side.MENTEE),
            (Role.PARTNER, Side.MENTOR),
            (Role.PARTNER, Side.MENTEE),
            (Role.NETWORK, Side.MENTOR),
            (Role.NETWORK, Side.MENTEE),
        ]:
            assert (role, side) in positions, (pair.id, role, side)
        assert pair.cluster is not None and len(pair.cluster.consultants) >= 1
        assert len(pair.working_languages) >= 1
        for city in (pair.mentor_city, pair.mentee_city):
            assert city.kind is OrganisationKind.CITY and "(" not in city.name
        assert pair.mentee_city.name in pair.focus
    admins = database.session.scalars(select(User).where(User.is_admin)).all()
    assert [u.email for u in admins] == ["synth-1@example.org"]


def test_denormalised_columns_match_a_recount(synth):
    s = database.session
    posts = s.execute(select(Post.id, Post.thread_id, Post.created_at, Post.deleted_at)).all()
    by_thread = defaultdict(list)
    for post in posts:
        by_thread[post.thread_id].append(post)
    revisions = Counter(s.scalars(select(PostRevision.post_id)))
    moderation = Counter(s.scalars(select(ModerationAction.thread_id)))
    for thread in s.scalars(select(Thread)):
        mine = sorted(by_thread[thread.id])
        assert thread.post_count == len(mine)
        assert thread.last_post_id == mine[-1].id
        assert thread.last_post_at == mine[-1].created_at
        assert thread.created_at == mine[0].created_at
        # Posts in id order are in time order, as when they were written one by one.
        assert [p.created_at for p in mine] == sorted(p.created_at for p in mine)
        edits = sum(revisions[p.id] - 1 for p in mine)
        deleted = sum(1 for p in mine if p.deleted_at is not None)
        assert thread.change_count == edits + deleted + moderation[thread.id]
    # Each post's head is its newest revision, whose HTML is its Markdown rendered.
    heads = dict(
        s.execute(
            select(PostRevision.post_id, func.max(PostRevision.id)).group_by(PostRevision.post_id)
        ).all()
    )
    for post_id, head in s.execute(select(Post.id, Post.current_revision_id)):
        assert head == heads[post_id]
    for body, html in s.execute(select(PostRevision.body, PostRevision.body_html)):
        assert html == markdown.render(body)
    # Plan section texts: the head is the newest revision of the text.
    text_heads = dict(
        s.execute(
            select(SectionRevision.text_id, func.max(SectionRevision.id)).group_by(
                SectionRevision.text_id
            )
        ).all()
    )
    texts = s.scalars(select(SectionText)).all()
    assert texts and all(t.current_revision_id == text_heads[t.id] for t in texts)
    for revision in s.scalars(select(SectionRevision)):
        assert revision.body_html == markdown.render(revision.body)
        if revision.parent_id is not None:
            assert s.get(SectionRevision, revision.parent_id).text_id == revision.text_id
        if revision.source_revision_id is not None:
            source = s.get(SectionRevision, revision.source_revision_id)
            assert source.created_at <= revision.created_at
    # A plan's status is where its review steps led; it was updated with its last change.
    for plan in s.scalars(select(Plan)):
        steps = s.scalars(
            select(PlanReviewStep)
            .where(PlanReviewStep.plan_id == plan.id)
            .order_by(PlanReviewStep.id)
        ).all()
        assert plan.status is (steps[-1].to_status if steps else PlanStatus.DRAFT)
        assert all(a.to_status is b.from_status for a, b in itertools.pairwise(steps))
        changed = s.scalar(
            select(func.max(SectionRevision.created_at))
            .join(SectionText, SectionText.id == SectionRevision.text_id)
            .join(PlanSection, PlanSection.id == SectionText.section_id)
            .where(PlanSection.plan_id == plan.id)
        )
        assert plan.updated_at >= max([changed, *(step.created_at for step in steps)])
    # Task lists move with their tasks; positions are unique per list.
    for task_list in s.scalars(select(TaskList)):
        tasks = s.scalars(select(Task).where(Task.list_id == task_list.id)).all()
        moments = [task_list.created_at] + [t.completed_at or t.created_at for t in tasks]
        assert task_list.updated_at == max(moments)
        assert len({t.position for t in tasks}) == len(tasks)
        assert all((t.status is TaskStatus.DONE) == (t.completed_at is not None) for t in tasks)
    # The activity stream: one entry per post in pair threads, per task, per completion.
    kinds = Counter(s.scalars(select(Activity.kind)))
    pair_threads = _count(Thread, Thread.pair_id.is_not(None))
    pair_posts = s.scalar(
        select(func.count()).select_from(Post).join(Thread).where(Thread.pair_id.is_not(None))
    )
    assert kinds[ActivityKind.THREAD_STARTED] == pair_threads
    assert kinds[ActivityKind.POST_REPLIED] == pair_posts - pair_threads
    assert kinds[ActivityKind.TASK_CREATED] == 100
    assert kinds[ActivityKind.TASK_DONE] == _count(Task, Task.status == TaskStatus.DONE)
    assert kinds[ActivityKind.PLAN_CREATED] == _count(Plan)
    assert kinds[ActivityKind.MEMBER_JOINED] == _count(Membership)
    stamps = s.scalars(select(Activity.created_at).order_by(Activity.id)).all()
    assert stamps == sorted(stamps)
    # Core-only threads leave core-only entries.
    for core_only, open_to_network in s.execute(
        select(Activity.core_only, Thread.open_to_network).join(
            Thread, (Activity.subject_type == "thread") & (Activity.subject_id == Thread.id)
        )
    ):
        assert core_only is (not open_to_network)


def _all_rows(url: str, tmp_path, seed: int) -> dict:
    app = make_test_app(url, tmp_path / f"instance-{seed}-{url[-6:]}")
    try:
        with app.app_context():
            synthesize(Sizes(**SMALL, seed=seed), echo=lambda _line: None)
            with app.extensions["db_engine"].connect() as conn:
                return {
                    table.name: conn.execute(
                        select(table).order_by(*table.primary_key.columns)
                    ).all()
                    for table in Base.metadata.sorted_tables
                    if table.name != "data_version"  # random by design: no data
                }
    finally:
        app.extensions["db_engine"].dispose()


def _fresh_sqlite(path) -> str:
    url = f"sqlite:///{path}"
    engine = database.make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.mark.parametrize("backend", DATABASES)
def test_same_seed_same_rows_in_two_fresh_databases(backend, tmp_path):
    if backend == "sqlite":
        first = _all_rows(_fresh_sqlite(tmp_path / "one.db"), tmp_path, 1)
        again = _all_rows(_fresh_sqlite(tmp_path / "two.db"), tmp_path, 1)
        other = _all_rows(_fresh_sqlite(tmp_path / "three.db"), tmp_path, 2)
    else:
        results = []
        for seed in (1, 1, 2):
            with postgres_schema("synth") as url:
                engine = sa.create_engine(url)
                Base.metadata.create_all(engine)
                engine.dispose()
                results.append(_all_rows(url, tmp_path, seed))
        first, again, other = results
    assert first["post"] and first["activity"]
    for name, rows in first.items():
        assert rows == again[name], name
    assert first["post_revision"] != other["post_revision"]
    assert first["user_account"] != other["user_account"]


def test_refuses_a_database_with_pairs(world, runner):
    result = runner.invoke(args=["demo", "synth", *ARGS])
    assert result.exit_code != 0
    assert "already has pairs" in result.output
    assert _count(Pair) == 2


def test_sizes_that_do_not_fit_are_refused(app, runner):
    result = runner.invoke(args=["demo", "synth", "--pairs", "10", "--users", "20"])
    assert result.exit_code != 0
    assert "--users must be at least" in result.output
    assert _count(User) == 0


def test_help_tells_the_password(runner):
    result = runner.invoke(args=["demo", "synth", "--help"])
    assert result.exit_code == 0
    assert SYNTH_PASSWORD in result.output and "--seed" in result.output


def _member(pair_id: int, role: Role) -> User:
    return database.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.pair_id == pair_id, Membership.role == role)
        .order_by(User.id)
        .limit(1)
    )


def test_the_app_serves_a_synthetic_pair(synth, client, auth):
    pair = database.session.scalar(select(Pair).order_by(Pair.id).limit(1))
    mentor = _member(pair.id, Role.MENTOR)
    # The one password works (a real sign-in: argon2 against the shared hash).
    assert auth.sign_in(mentor.email, SYNTH_PASSWORD).status_code in (302, 303)
    auth.as_user(mentor)
    core_thread = database.session.scalar(
        select(Thread)
        .where(
            Thread.pair_id == pair.id,
            Thread.open_to_network.is_(False),
            Thread.locked.is_(False),
        )
        .order_by(Thread.post_count.desc())
        .limit(1)
    )
    plan = database.session.scalar(select(Plan).where(Plan.pair_id == pair.id))
    for url in (
        f"/pairs/{pair.id}",
        f"/pairs/{pair.id}/timeline",
        f"/pairs/{pair.id}/threads",
        f"/threads/{core_thread.id}",
        f"/pairs/{pair.id}/tasks",
        f"/pairs/{pair.id}/plans/{plan.id}",
        f"/pairs/{pair.id}/assessment",
        "/my-work",
        "/notifications/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    page = client.get(f"/threads/{core_thread.id}").get_data(as_text=True)
    first_post = database.session.scalar(
        select(Post).where(Post.thread_id == core_thread.id).order_by(Post.id).limit(1)
    )
    assert f'id="post-{first_post.id}"' in page
    # Writing goes on where the data set ends: ids (sequences) and counters continue.
    newest = database.session.scalar(select(func.max(Post.id)))
    count = core_thread.post_count
    response = client.post(
        f"/threads/{core_thread.id}/reply",
        data={"body": "A reply after the synthetic data.", "language": core_thread.language},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    database.session.refresh(core_thread)
    assert core_thread.post_count == count + 1
    assert core_thread.last_post_id == newest + 1
    # A network member sees the open threads and not the core team's.
    network = _member(pair.id, Role.NETWORK)
    auth.as_user(network)
    open_thread = database.session.scalar(
        select(Thread).where(Thread.pair_id == pair.id, Thread.open_to_network.is_(True)).limit(1)
    )
    assert client.get(f"/threads/{open_thread.id}").status_code == 200
    assert client.get(f"/threads/{core_thread.id}").status_code == 404
    # A consultant of the pair's cluster reads the cluster's threads.
    consultant_id = database.session.scalar(
        select(cluster_consultant.c.user_id).where(
            cluster_consultant.c.cluster_id == pair.cluster_id
        )
    )
    auth.as_user(database.session.get(User, consultant_id))
    cluster_thread = database.session.scalar(
        select(Thread).where(Thread.cluster_id == pair.cluster_id).limit(1)
    )
    assert client.get(f"/threads/{cluster_thread.id}").status_code == 200
    assert client.get(f"/clusters/{pair.cluster_id}/threads").status_code == 200
    assert database.session.get(Cluster, pair.cluster_id) is not None
