"""The demo network: the real IncluCities pairs, one fictional person per role."""

import re

import pytest
from sqlalchemy import func, select

from workspace.demo import DEMO_PASSWORD, load
from workspace.models import Cluster, Membership, Organisation, OrganisationKind, Pair, User

PAIRS = {
    "brussels": "City of Brussels – Saint-Jean-de-la-Ruelle",
    "saint-jean": "City of Brussels – Saint-Jean-de-la-Ruelle",
    "mechelen": "Mechelen – Capaci",
    "capaci": "Mechelen – Capaci",
    "fuenlabrada": "Fuenlabrada – Livadia",
    "livadia": "Fuenlabrada – Livadia",
    "schaerbeek": "Schaerbeek – Jelgava",
    "jelgava": "Schaerbeek – Jelgava",
}


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_network_of_design_section_1(app, session):
    load()
    kinds = dict(
        session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all()
    )
    assert kinds[OrganisationKind.CITY] == 8
    assert kinds[OrganisationKind.ASSOCIATION] == 7
    assert kinds[OrganisationKind.COORDINATOR] == kinds[OrganisationKind.CONSULTANCY] == 1
    pairs = session.scalars(select(Pair).order_by(Pair.id)).all()
    assert [p.name for p in pairs] == list(dict.fromkeys(PAIRS.values()))
    assert [p.mentor_association.name for p in pairs] == [
        "Brulocalis",
        "VVSG",
        "FEMP",
        "Brulocalis",
    ]
    assert [p.mentee_association.name for p in pairs] == ["AFCCRE", "AICCRE", "KEDE", "LPS"]
    cluster = session.scalar(select(Cluster))
    assert len(cluster.pairs) == 4 and [u.email for u in cluster.consultants] == [
        "consultant@demo.example.org"
    ]
    # Every role in every pair: mentor, mentee, and a partner and a network member per side.
    for pair in pairs:
        positions = sorted((m.role.value, m.side.value) for m in pair.memberships)
        assert positions == [
            ("mentee", "mentee"),
            ("mentor", "mentor"),
            ("network", "mentee"),
            ("network", "mentor"),
            ("partner", "mentee"),
            ("partner", "mentor"),
        ]


def test_loading_twice_changes_nothing(app, session):
    load()
    counts = [_count(session, m) for m in (Organisation, User, Pair, Membership, Cluster)]
    again = load()
    assert re.fullmatch(r"(0 [a-z ]+, )+0 [a-z ]+ created", again), again
    assert [_count(session, m) for m in (Organisation, User, Pair, Membership, Cluster)] == counts


def test_demo_load_command(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "4 pairs" in result.output


ACCOUNTS = [
    (f"{role}-{city}@demo.example.org", PAIRS[city])
    for i, city in enumerate(PAIRS)
    for role in (("mentor", "mentee")[i % 2], "partner", "network")
]


def test_each_demo_user_signs_in_and_sees_exactly_their_pair(app, session):
    load()
    for n, (email, pair_name) in enumerate(ACCOUNTS):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.1.0.{n}"  # stay under the sign-in limit
        response = client.post("/signin", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        shown = re.findall(r'<h2><a href="/pairs/\d+">(.*?)</a></h2>', client.get("/").text)
        mentor, mentee = pair_name.split(" – ")
        assert len(shown) == 1 and mentor in shown[0] and mentee in shown[0], email
    assert len(ACCOUNTS) == 24


@pytest.mark.parametrize(("who", "pairs"), [("consultant", 4), ("admin", 4)])
def test_consultant_and_admin_see_all_four(app, client, session, who, pairs):
    load()
    client.post("/signin", data={"email": f"{who}@demo.example.org", "password": DEMO_PASSWORD})
    assert len(re.findall(r'<h2><a href="/pairs/\d+">', client.get("/").text)) == pairs
