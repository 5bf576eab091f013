"""Demo threads: in each pair's languages, one open to the network, safe to load twice."""

from sqlalchemy import func, select

from workspace import db
from workspace.demo import load as load_network
from workspace.demo import threads as demo_threads
from workspace.models import Membership, Pair, Post, Role, Thread, User


def test_demo_threads(app, client, auth):
    load_network()
    pairs = list(db.session.scalars(select(Pair).order_by(Pair.id)))
    demo_threads.load(pairs)  # whether or not the network's loader already did
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 3 * len(pairs)
    assert demo_threads.load(pairs) == 0
    for pair in pairs:
        threads = list(db.session.scalars(select(Thread).where(Thread.pair_id == pair.id)))
        assert 2 <= len(threads) <= 3
        assert sum(t.open_to_network for t in threads) == 1
        assert {t.language for t in threads} <= set(pair.working_languages)
        for thread in threads:
            assert 2021 <= thread.created_at.year <= 2022
            posts = list(db.session.scalars(select(Post).where(Post.thread_id == thread.id)))
            assert len(posts) == thread.post_count >= 2
            assert len({p.author_id for p in posts}) >= 2
            network = set(
                db.session.scalars(
                    select(Membership.user_id).where(
                        Membership.pair_id == pair.id, Membership.role == Role.NETWORK
                    )
                )
            )
            if not thread.open_to_network:
                assert not {p.author_id for p in posts} & network
    first = pairs[0]
    assert {
        t.language for t in db.session.scalars(select(Thread).where(Thread.pair_id == first.id))
    } == {"fr"}
    # The pages render for a demo member.
    member = db.session.scalar(
        select(User)
        .join(Membership)
        .where(Membership.pair_id == first.id, Membership.role == Role.MENTEE)
    )
    auth.as_user(member)
    listing = client.get(f"/pairs/{first.id}/threads")
    assert listing.status_code == 200 and "Maison des femmes" in listing.text
    thread = db.session.scalar(select(Thread).where(Thread.pair_id == first.id))
    page = client.get(f"/threads/{thread.id}")
    assert page.status_code == 200 and 'lang="fr"' in page.text
