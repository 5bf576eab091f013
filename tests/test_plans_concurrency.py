"""Real concurrent writers on one section: threads, each with its own app context, session
and database connection, save different edits made from the same base revision at once.
Every save lands as a revision (saved or merged) or comes back as a conflict; none is lost."""

import threading

import pytest
from sqlalchemy import select

from workspace import db
from workspace.models import RevisionOrigin, SectionRevision, SectionText, User
from workspace.plans import services

WRITERS = 8
PARAGRAPHS = [f"Paragraph {n} says what the pair agreed on point {n}." for n in range(WRITERS)]


def _run_concurrently(app, text_id, base_id, author_id, edits):
    """Each edit saved by its own thread from ``base_id``; the threads start together."""
    barrier = threading.Barrier(len(edits))
    results: list = [None] * len(edits)
    errors: list = []

    def writer(index, title, body):
        try:
            with app.app_context():
                # Start together; each transaction begins at its first statement (on SQLite
                # with the write lock, as a POST request does).
                barrier.wait(timeout=30)
                text = db.session.get(SectionText, text_id)
                author = db.session.get(User, author_id)
                result = services.save_text(
                    text, base_revision_id=base_id, title=title, body=body, author=author
                )
                db.session.commit()
                results[index] = (
                    result.status,
                    result.revision.id if result.revision else None,
                    body,
                )
        except Exception as error:  # noqa: BLE001 (reported by the test below)
            errors.append(error)

    threads = [
        threading.Thread(target=writer, args=(i, title, body))
        for i, (title, body) in enumerate(edits)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def _chain(text_id):
    """The head's ancestry, newest first."""
    db.session.expire_all()
    text = db.session.get(SectionText, text_id)
    revisions = {
        r.id: r
        for r in db.session.scalars(
            select(SectionRevision).where(SectionRevision.text_id == text_id)
        )
    }
    chain, current = [], revisions[text.current_revision_id]
    while current is not None:
        chain.append(current)
        current = revisions.get(current.parent_id)
    return text, revisions, chain


@pytest.fixture
def section(app, world):
    plan = services.create_plan(world.pair, "Concurrency", "en", world.mentor)
    db.session.flush()
    text = services.text_for(plan.sections[0], "en")
    base = services.save_text(
        text,
        base_revision_id=text.current_revision_id,
        title="Context",
        body="\n\n".join(PARAGRAPHS),
        author=world.mentor,
    ).revision
    db.session.commit()
    return text.id, base.id, world.mentee.id


def test_parallel_edits_of_different_paragraphs_all_land(app, section):
    text_id, base_id, author_id = section
    edits = [
        (
            "Context",
            "\n\n".join(
                p + (f" Edited by writer {i}." if n == i else "") for n, p in enumerate(PARAGRAPHS)
            ),
        )
        for i in range(WRITERS)
    ]
    results = _run_concurrently(app, text_id, base_id, author_id, edits)

    statuses = [status for status, _, _ in results]
    assert set(statuses) <= {"saved", "merged", "conflict"}
    assert statuses.count("saved") == 1  # exactly one writer got the base as head
    landed = [(rid, body) for status, rid, body in results if status != "conflict"]
    assert landed, results

    text, revisions, chain = _chain(text_id)
    # No revision is lost from the chain: every landed one is an ancestor of the head.
    chain_ids = [r.id for r in chain]
    assert {rid for rid, _ in landed} <= set(chain_ids)
    assert len(revisions) == len(chain) == 2 + len(landed)  # created, base, each save
    assert chain_ids == sorted(chain_ids, reverse=True)  # parents are older
    assert chain[-1].origin is RevisionOrigin.CREATED
    assert chain[-2].id == base_id
    # The head contains every edit that landed.
    for i, (status, _rid, _body) in enumerate(results):
        if status != "conflict":
            assert f"Edited by writer {i}." in text.current_revision.body
    merged = [r for r in chain if r.origin is RevisionOrigin.MERGE]
    assert len(merged) == statuses.count("merged")


def test_parallel_edits_of_one_paragraph_conflict_without_loss(app, section):
    text_id, base_id, author_id = section
    edits = [
        ("Context", "\n\n".join([f"Writer {i} rewrote the opening.", *PARAGRAPHS[1:]]))
        for i in range(WRITERS)
    ]
    results = _run_concurrently(app, text_id, base_id, author_id, edits)
    statuses = [status for status, _, _ in results]
    assert statuses.count("saved") == 1
    assert statuses.count("conflict") == WRITERS - 1
    winner = next(body for status, _, body in results if status == "saved")
    text, revisions, chain = _chain(text_id)
    assert text.current_revision.body == winner
    assert chain[1].id == base_id
    assert len(revisions) == len(chain)  # nothing dangling: a conflict writes nothing
