"""Search: ranking, highlighting (escaped), stemming, access rule by rule (compared with the
policy's answer, through both of PostgreSQL's query shapes), hostile queries, filters, keyset
paging (every result once), a fixed number of queries, and the index kept in sync with the
content (create, edit, hide, delete) and rebuilt in bulk."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from conftest import ROLES, count_queries
from workspace import db, policy
from workspace.models import (
    Cluster,
    EventKind,
    ModerationKind,
    Post,
    SearchDocument,
    SearchKind,
    Thread,
)
from workspace.plans import services as plans
from workspace.search import services as search
from workspace.tasks import services as tasks
from workspace.threads import services as threads
from workspace.timeline import services as timeline

WORD = "zanzibar"  # in every document of the access world


def found(client, query, **params):
    response = client.get("/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.text[:500]
    return response


def result_urls(response) -> list[str]:
    return re.findall(r'<h3 class="search-result__title"[^>]*><a href="([^"]+)"', response.text)


def hits(user, query, **kwargs) -> set[tuple[str, int]]:
    results, _more = search.search(user, query, **kwargs)
    return {(r.kind.value, r.object_id) for r in results}


def every_page(user, query, **kwargs) -> list[list[tuple[str, int]]]:
    """The results page by page, following the keyset to the end."""
    pages, after = [], None
    while True:
        results, after = search.search(user, query, after=after, **kwargs)
        pages.append([(r.kind.value, r.object_id) for r in results])
        if after is None:
            return pages
        assert len(pages) < 20, pages


@pytest.fixture(params=["few pairs", "many pairs"])
def query_shape(request, monkeypatch):
    """On PostgreSQL a user's few pairs are read by pair, more through the GIN index: the
    access rules must hold either way (on SQLite both are the same query)."""
    if request.param == "many pairs":
        monkeypatch.setattr(search, "FEW_PAIRS", -1)
    return request.param


@pytest.fixture
def content(world):
    """Something of every kind, in pair A (core-only and open threads), in pair A's cluster,
    and in pair B."""
    w = world
    c = type("Content", (), {})()
    c.core_thread = threads.start_thread(
        w.mentor,
        title=f"Housing strategy {WORD}",
        body=f"Core team notes on {WORD}.",
        language="en",
        pair=w.pair,
    )
    c.open_thread = threads.start_thread(
        w.mentee,
        title="Volunteers",
        body=f"Support network welcome, {WORD}.",
        language="en",
        pair=w.pair,
        open_to_network=True,
    )
    c.cluster_thread = threads.start_thread(
        w.consultant,
        title="Cluster news",
        body=f"All pairs of the cluster: {WORD}.",
        language="en",
        cluster=w.cluster,
    )
    c.other_cluster_thread = threads.start_thread(
        w.other_consultant,
        title="Other cluster",
        body=f"Elsewhere {WORD}.",
        language="en",
        cluster=w.other_cluster,
    )
    c.other_thread = threads.start_thread(
        w.other_pair_member,
        title="Far away",
        body=f"Another pair {WORD}.",
        language="en",
        pair=w.other_pair,
    )
    c.hidden_post = threads.reply(c.open_thread, w.mentor, f"Rude remark {WORD}", "en")
    threads.moderate_post(c.hidden_post, w.consultant, ModerationKind.HIDE, "rude")
    c.deleted_post = threads.reply(c.open_thread, w.mentor, f"Oops {WORD}", "en")
    threads.delete_post(c.deleted_post)
    c.hidden_thread = threads.start_thread(
        w.mentor,
        title=f"Spam {WORD}",
        body=f"Spam {WORD}",
        language="en",
        pair=w.pair,
        open_to_network=True,
    )
    threads.moderate_thread(c.hidden_thread, w.consultant, ModerationKind.HIDE, "spam")
    task_list = tasks.create_list(w.pair, "Preparation", w.mentor)
    c.task = tasks.create_task(task_list, f"Book rooms {WORD}", w.mentor, notes="Ten rooms")
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    c.event = timeline.create_event(
        w.pair,
        w.mentor,
        kind=EventKind.STUDY_VISIT_ONSITE,
        title="Study visit",
        description=f"Visit the language school {WORD}",
        language="en",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    c.plan = plans.create_plan(w.pair, "Plan for all", "en", w.mentor)
    c.section = c.plan.sections[0]
    text = c.section.texts[0]
    plans.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context and needs",
        body=f"Needs of migrant residents {WORD}",
        author=w.mentor,
    )
    other_list = tasks.create_list(w.other_pair, "Theirs", w.other_pair_member)
    c.other_task = tasks.create_task(other_list, f"Their task {WORD}", w.other_pair_member)
    db.session.commit()
    return c


def _first_post(thread: Thread) -> Post:
    return db.session.query(Post).filter_by(thread_id=thread.id).order_by(Post.id).first()


def _policy_expected(user, c) -> set[tuple[str, int]]:
    """What the policy lets ``user`` see, among the documents that are not hidden."""
    expected = set()
    for thread in (
        c.core_thread,
        c.open_thread,
        c.cluster_thread,
        c.other_cluster_thread,
        c.other_thread,
    ):
        if policy.can_see_thread(user, thread):
            if WORD in thread.title:
                expected.add(("thread", thread.id))
            expected.add(("post", _first_post(thread).id))
    for kind, obj in (("task", c.task), ("event", c.event), ("task", c.other_task)):
        if policy.can_see_pair(user, obj.pair):
            expected.add((kind, obj.id))
    if policy.can_see_pair(user, c.plan.pair):
        expected.add(("section", c.section.texts[0].id))
    return expected


@pytest.mark.parametrize("role", ROLES)
def test_each_role_finds_what_the_policy_lets_it_see(app, world, content, role, query_shape):
    user = getattr(world, role)
    assert hits(user, WORD) == _policy_expected(user, content)


def test_the_rules_one_by_one(app, world, content, query_shape):
    c = content
    core = ("thread", c.core_thread.id)
    open_ = ("post", _first_post(c.open_thread).id)
    cluster = ("post", _first_post(c.cluster_thread).id)
    # Pair members see their pair's content ...
    assert {core, open_, ("task", c.task.id), ("event", c.event.id)} <= hits(world.mentor, WORD)
    assert ("task", c.other_task.id) not in hits(world.mentor, WORD)
    # ... network members not the core-team-only threads, nor cluster threads.
    network = hits(world.network_mentee, WORD)
    assert open_ in network and core not in network and cluster not in network
    # Consultants: their clusters' pairs and cluster threads, not the other cluster.
    consultant = hits(world.consultant, WORD)
    assert {core, cluster} <= consultant
    assert ("post", _first_post(c.other_cluster_thread).id) not in consultant
    assert ("task", c.other_task.id) not in consultant
    # Core members see their cluster's threads.
    assert cluster in hits(world.partner, WORD)
    # Outsiders see nothing of the pair.
    assert hits(world.nobody, WORD) == set()
    # Admins see everything, but hidden and deleted posts and hidden threads never appear.
    everything = hits(world.admin, WORD)
    assert ("task", c.other_task.id) in everything
    for gone in (
        ("post", c.hidden_post.id),
        ("post", c.deleted_post.id),
        ("thread", c.hidden_thread.id),
        ("post", _first_post(c.hidden_thread).id),
    ):
        assert gone not in everything
        assert gone not in hits(world.consultant, WORD)


def test_results_page_links_highlights_and_escapes(client, auth, world, content, database_url):
    threads.reply(
        content.core_thread, world.mentor, f"Tom & {WORD} <script>alert(1)</script>", "en"
    )
    content.core_thread.title = f"R&D <i>plans</i> {WORD}"
    auth.as_user(world.mentor)
    response = found(client, WORD)
    assert "<script>alert" not in response.text and "<i>plans" not in response.text
    assert "r&amp;d" in response.text.lower(), re.findall(
        r"search-result__title[^>]*>([^\n]*)", response.text
    )
    if database_url.startswith("sqlite"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    # (PostgreSQL's ts_headline drops what its parser takes for tags.)
    assert f"<mark>{WORD}</mark>" in response.text.lower()
    urls = result_urls(response)
    assert f"/threads/{content.core_thread.id}" in urls
    assert f"/pairs/{world.pair.id}/tasks/{content.task.id}" in urls
    assert f"/pairs/{world.pair.id}/events/{content.event.id}" in urls
    assert any(u.startswith(f"/pairs/{world.pair.id}/plans/{content.plan.id}") for u in urls)


def test_markers_in_stored_text_cannot_inject(app):
    assert (
        str(search.marked("a\ue000<b>\ue001\ue001 \ue000x"))
        == "a<mark>&lt;b&gt;</mark> <mark>x</mark>"
    )


def test_ranking_puts_the_best_match_first(app, world):
    threads.start_thread(
        world.mentor,
        title="Minutes",
        body="We talked about budgets, and then at length about many other things. Kiwi once.",
        language="en",
        pair=world.pair,
    )
    best = threads.start_thread(
        world.mentor, title="Kiwi kiwi", body="Kiwi, kiwi and kiwi.", language="en", pair=world.pair
    )
    db.session.commit()
    results, _ = search.search(world.mentor, "kiwi")
    best_post = _first_post(best)
    ranked = [(r.kind, r.object_id) for r in results]
    assert set(ranked[:2]) == {(SearchKind.THREAD, best.id), (SearchKind.POST, best_post.id)}
    assert len(ranked) == 3  # the passing mention comes last


def test_stemming_finds_the_singular_from_a_plural(app, world):
    threads.start_thread(
        world.mentor,
        title="Logement",
        body="Les maisons sociales de la ville",
        language="fr",
        pair=world.pair,
    )
    threads.start_thread(
        world.mentor,
        title="Housing",
        body="The cities build houses",
        language="en",
        pair=world.pair,
    )
    db.session.commit()
    assert {r.kind for r in search.search(world.mentor, "maison")[0]} == {SearchKind.POST}
    assert len(search.search(world.mentor, "city")[0]) == 1
    houses = search.search(world.mentor, "house")[0]
    assert SearchKind.POST in {r.kind for r in houses}
    assert all(r.language == "en" for r in houses)


HOSTILE = [
    '"',
    '""',
    "*",
    "zanz*",
    "NEAR(a b)",
    "a NEAR b",
    "AND",
    "OR",
    "NOT",
    "a OR",
    "-",
    "-zanzibar",
    "title:zanzibar",
    "body:",
    "^zanzibar",
    "(",
    ")",
    "((a)",
    "'; DROP TABLE search_document; --",
    "%",
    "_",
    "%_%",
    "\\",
    "'",
    "\x00",
    "\ue000",
    "a" * 5000,
    "zanzibar " * 100,
    "{}",
    "[",
    "zanzibar:*",
    "!zanzibar",
    "&|",
    "<->",
    "é\u0301",
    "🙂",
]


def test_hostile_queries_are_plain_words(client, auth, world, content):
    auth.as_user(world.mentor)
    for query in HOSTILE:
        response = client.get("/search", query_string={"q": query})
        # Never a 500 (a NUL character is refused as a bad request by workspace/safety.py).
        assert response.status_code == (400 if "\x00" in query else 200), query
        if set(search.terms(query)) == {WORD}:
            assert result_urls(response), query
    # Meta-characters are separators: these find the same as the plain word.
    for query in (f'"{WORD}"', f"{WORD}*", f"({WORD})", f"^{WORD}", f"-{WORD}", f"{WORD}%"):
        assert hits(world.mentor, query) == hits(world.mentor, WORD)
    assert search.terms("NEAR(a b) AND c") == ["NEAR", "a", "b", "AND", "c"]


def test_documents_outside_pairs_are_cluster_threads(app, world, content):
    """What ``_scope`` relies on to find cluster content by thread: every document without a
    pair is a cluster thread or one of its posts, and carries that thread's id."""
    outside = db.session.query(SearchDocument).filter(SearchDocument.pair_id.is_(None)).all()
    assert {d.kind for d in outside} == {SearchKind.THREAD, SearchKind.POST}
    for doc in outside:
        thread = db.session.get(Thread, doc.thread_id)
        assert thread.pair_id is None and thread.cluster_id == doc.cluster_id is not None


def test_a_consultant_of_a_cluster_without_pairs_finds_its_threads(app, world, query_shape):
    empty = Cluster(name="Cluster three")
    db.session.add(empty)
    empty.consultants.append(world.other_consultant)
    db.session.flush()
    thread = threads.start_thread(
        world.other_consultant, title="Kickoff", body="ocelot", language="en", cluster=empty
    )
    db.session.commit()
    assert hits(world.other_consultant, "ocelot") == {("post", _first_post(thread).id)}
    assert hits(world.consultant, "ocelot") == set()
    assert hits(world.mentor, "ocelot") == set()


def test_filters_by_pair_and_kind(client, auth, world, content):
    auth.as_user(world.admin)
    assert {k for k, _ in hits(world.admin, WORD, kind=SearchKind.TASK)} == {"task"}
    assert hits(world.admin, WORD, kind=SearchKind.TASK) == {
        ("task", content.task.id),
        ("task", content.other_task.id),
    }
    in_b = hits(world.admin, WORD, pair_id=world.other_pair.id)
    assert in_b == {
        ("task", content.other_task.id),
        ("post", _first_post(content.other_thread).id),
    }
    response = found(client, WORD, pair=world.other_pair.id, kind="task")
    assert result_urls(response) == [f"/pairs/{world.other_pair.id}/tasks/{content.other_task.id}"]
    # A pair the user does not see is ignored, not revealed.
    auth.as_user(world.mentor)
    response = found(client, WORD, pair=world.other_pair.id, kind="nonsense")
    assert f"/pairs/{world.other_pair.id}/" not in response.text


def test_paging_with_more_results(client, auth, world):
    thread = threads.start_thread(
        world.mentor, title="Many", body="quokka", language="en", pair=world.pair
    )
    for n in range(24):
        threads.reply(thread, world.mentor, f"quokka number {n}", "en")
    db.session.commit()
    auth.as_user(world.mentor)
    first = found(client, "quokka")
    assert len(result_urls(first)) == 20 and 'start="1"' in first.text
    more = re.search(r'href="([^"]*after=[^"]*)"', first.text)
    assert more and "More results" in first.text and "start=21" in more.group(1)
    second = client.get(more.group(1).replace("&amp;", "&"))
    assert len(result_urls(second)) == 5 and "More results" not in second.text
    assert 'start="21"' in second.text
    assert not set(result_urls(first)) & set(result_urls(second))
    # The same through htmx (the results block only).
    block = client.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert "<html" not in block.text and result_urls(block) == result_urls(second)


def test_keyset_paging_returns_every_result_once(app, world, content):
    """Pages follow one another by (rank, id): no result twice, none left out, best first,
    also through many equal ranks (identical texts) and with the filters."""
    thread = threads.start_thread(
        world.mentor, title="Tapas", body="quokka", language="en", pair=world.pair
    )
    for _ in range(44):  # identical texts rank equally: only the ids order them
        threads.reply(thread, world.mentor, "quokka", "en")
    for n in range(7):
        threads.reply(thread, world.mentor, f"quokka quokka quokka {n}", "en")
    best = threads.start_thread(
        world.mentor, title="Quokka quokka", body="quokka quokka", language="en", pair=world.pair
    )
    db.session.commit()
    every = {("post", p.id) for p in db.session.query(Post).filter_by(thread_id=thread.id)}
    every |= {("post", _first_post(best).id), ("thread", best.id)}
    pages = every_page(world.mentor, "quokka")
    assert [len(p) for p in pages] == [20, 20, 14]
    flat = [hit for page in pages for hit in page]
    assert len(flat) == len(set(flat)) and set(flat) == every
    assert set(flat[:2]) == {("thread", best.id), ("post", _first_post(best).id)}
    # Filters keep to the keyset too.
    posts = [
        hit for page in every_page(world.mentor, "quokka", kind=SearchKind.POST) for hit in page
    ]
    assert len(posts) == len(set(posts)) == 53
    in_pair = every_page(world.admin, "quokka", pair_id=world.pair.id)
    assert {hit for page in in_pair for hit in page} == every
    # A network member sees the open threads only, page after page.
    assert every_page(world.network_mentee, "quokka") == [[]]


def test_a_malformed_keyset_means_the_first_page(client, auth, world, content):
    auth.as_user(world.mentor)
    first = result_urls(found(client, WORD))
    for after in (
        "",
        "x",
        "_",
        "1.5",
        "nan_3",
        "inf_3",
        "-inf_3",
        "1e400_3",
        "1_-4",
        "1_0",
        "1_99999999999",
        "1_2_3",
        "0x1p3_4",
        "\ue000_1",
        "1" * 100 + "_1",
    ):
        response = found(client, WORD, after=after, start="5")
        assert result_urls(response) == first, after
        assert 'start="1"' in response.text
    assert search.After.parse("-1.25_7") == search.After(-1.25, 7)
    for rank in (-0.1 + 1e-16, 1.5e-07, -2.25e17, 0.0607927106320858, 0.0, 7.0):
        assert search.After.parse(str(search.After(rank, 3))) == search.After(rank, 3), rank


def test_the_results_page_runs_a_fixed_number_of_queries(app, client, auth, world):
    thread = threads.start_thread(
        world.mentor, title="Walrus", body="walrus", language="en", pair=world.pair
    )
    db.session.commit()
    auth.as_user(world.mentor)
    found(client, "walrus")
    with count_queries(app) as few:
        found(client, "walrus")
    for n in range(40):
        threads.reply(thread, world.mentor, f"walrus {n}", "en")
    for n in range(5):
        threads.start_thread(
            world.mentor, title=f"Walrus {n}", body="walrus", language="en", pair=world.pair
        )
    db.session.commit()
    with count_queries(app) as many:
        response = found(client, "walrus")
    assert len(result_urls(response)) == 20
    assert len(many) == len(few), many
    assert len(few) <= 8, few
    # A later page (by keyset) costs the same; so do the filters.
    more = re.search(r'href="([^"]*after=[^"]*)"', response.text).group(1).replace("&amp;", "&")
    with count_queries(app) as later:
        second = client.get(more)
    assert len(result_urls(second)) == 20
    assert len(later) == len(few), [q[:70] for q in later]
    pair_id = world.pair.id
    with count_queries(app) as filtered:
        found(client, "walrus", pair=pair_id, kind="post")
    assert len(filtered) == len(few), [q[:70] for q in filtered]


def test_the_index_follows_create_edit_hide_and_delete(app, world):
    mentor = world.mentor
    thread = threads.start_thread(
        mentor,
        title="Ferry",
        body="original okapi",
        language="en",
        pair=world.pair,
        open_to_network=True,
    )
    db.session.commit()
    post = _first_post(thread)
    assert hits(world.network_mentor, "okapi") == {("post", post.id)}
    threads.edit_post(post, mentor, "edited narwhal")
    db.session.commit()
    assert hits(mentor, "okapi") == set()
    assert hits(mentor, "narwhal") == {("post", post.id)}
    threads.moderate_post(post, world.consultant, ModerationKind.HIDE, "why")
    db.session.commit()
    assert hits(world.admin, "narwhal") == set()
    threads.moderate_post(post, world.consultant, ModerationKind.RESTORE, "ok")
    db.session.commit()
    assert hits(mentor, "narwhal") == {("post", post.id)}
    # The thread's title and visibility go to its posts.
    thread.title = "Ferry timetable"
    thread.open_to_network = False
    db.session.commit()
    assert ("post", post.id) in hits(mentor, "timetable")
    assert hits(world.network_mentor, "narwhal") == set()
    threads.delete_post(post)
    db.session.commit()
    assert hits(mentor, "narwhal") == set()
    # Tasks: edit, delete; deleting their list takes their documents too.
    task_list = tasks.create_list(world.pair, "List", mentor)
    task = tasks.create_task(task_list, "Buy tickets", mentor, notes="for the axolotl trip")
    db.session.commit()
    assert hits(mentor, "axolotl") == {("task", task.id)}
    task.title = "Buy pangolin tickets"
    db.session.commit()
    assert hits(mentor, "pangolin") == {("task", task.id)}
    db.session.delete(task_list)
    db.session.commit()
    assert hits(mentor, "pangolin") == set()
    assert db.session.query(SearchDocument).filter_by(kind=SearchKind.TASK).count() == 0
    # Plan sections: a new revision replaces the text; removing the section removes it.
    plan = plans.create_plan(world.pair, "Plan", "en", mentor)
    section = plans.add_section(plan, plans.SectionKind.CUSTOM, "Extra", mentor, body="gecko")
    db.session.commit()
    text = section.texts[0]
    assert hits(world.network_mentee, "gecko") == {("section", text.id)}
    plans.save_text(
        text, base_revision_id=text.current_revision_id, title="Extra", body="iguana", author=mentor
    )
    db.session.commit()
    assert hits(mentor, "gecko") == set() and hits(mentor, "iguana") == {("section", text.id)}
    plans.remove_section(section)
    db.session.commit()
    assert hits(mentor, "iguana") == set()


def test_reindex_rebuilds_everything(app, runner, world, content):
    before = hits(world.admin, WORD)
    db.session.query(SearchDocument).delete()
    db.session.commit()
    assert hits(world.admin, WORD) == set()
    db.session.commit()  # let go of SQLite's write lock: the command writes on its own
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output and "1 event" in result.output and "2 task" in result.output
    assert hits(world.admin, WORD) == before
    # The sync triggers work again after the rebuild.
    threads.start_thread(world.mentor, title="After", body="tapir", language="en", pair=world.pair)
    db.session.commit()
    assert len(hits(world.mentor, "tapir")) == 1


def test_search_box_in_the_header(client, auth, world):
    auth.as_user(world.mentor)
    page = client.get("/")
    assert 'role="search"' in page.text and 'for="site-search-q"' in page.text
    assert "good practices" in found(client, "").text.lower()


def test_htmx_gets_only_the_results_block(client, auth, world, content):
    auth.as_user(world.mentor)
    page = found(client, WORD)
    assert "<html" in page.text and "HX-Request" in page.headers["Vary"]
    block = client.get("/search", query_string={"q": WORD}, headers={"HX-Request": "true"})
    assert block.status_code == 200
    assert "<html" not in block.text and 'id="search-results-heading"' in block.text
    assert "<mark>" in block.text
