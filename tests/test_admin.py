"""Programme administration: organisations, pairs, clusters and memberships."""

from sqlalchemy import select

from conftest import count_queries, make_user
from workspace.models import Cluster, Membership, Organisation, Pair, Role, Side


def test_create_and_rename_an_organisation(client, auth, world, session):
    auth.as_user(world.admin)
    response = client.post(
        "/admin/organisations/new",
        data={"name": "Samen Mechelen vzw", "kind": "support", "country": "BE"},
    )
    assert response.status_code == 303
    org = session.scalar(select(Organisation).where(Organisation.name == "Samen Mechelen vzw"))
    assert (org.kind.value, org.country) == ("support", "BE")
    client.post(
        f"/admin/organisations/{org.id}",
        data={"name": "Samen Mechelen", "kind": "support", "country": "BE"},
    )
    session.refresh(org)
    assert org.name == "Samen Mechelen"
    assert "Samen Mechelen" in client.get("/admin/organisations").text


def test_organisation_names_are_unique_and_required(client, auth, world, session):
    auth.as_user(world.admin)
    taken = client.post(
        "/admin/organisations/new", data={"name": "Mentorville", "kind": "city", "country": "BE"}
    )
    assert "exists already" in taken.text
    empty = client.post("/admin/organisations/new", data={"name": " ", "kind": "city"})
    assert empty.status_code == 200 and 'aria-invalid="true"' in empty.text


def test_create_a_pair(client, auth, world, session):
    auth.as_user(world.admin)
    cities = {o.name: o.id for o in session.scalars(select(Organisation))}
    response = client.post(
        "/admin/pairs/new",
        data={
            "mentor_city": cities["Elsewhere"],
            "mentee_city": cities["Menteeburg"],
            "mentor_association": "",
            "mentee_association": "",
            "mentoring_theme": "language_learning",
            "themes": ["education", "housing"],
            "focus": "Conversation tables in libraries",
            "focus_language": "en",
            "working_languages": ["en", "lv"],
            "cluster": str(world.cluster.id),
            "status": "planned",
            "starts_on": "2021-03-01",
            "ends_on": "2022-12-08",
        },
    )
    assert response.status_code == 303
    pair = session.scalars(select(Pair).order_by(Pair.id.desc())).first()
    assert pair.working_languages == ["en", "lv"] and pair.themes == ["education", "housing"]
    assert pair.cluster_id == world.cluster.id
    assert response.location == f"/admin/pairs/{pair.id}/members"


def test_a_pair_needs_two_different_cities_and_a_sane_period(client, auth, world, session):
    auth.as_user(world.admin)
    city = world.pair.mentor_city.id
    response = client.post(
        f"/admin/pairs/{world.pair.id}",
        data={
            "mentor_city": city,
            "mentee_city": city,
            "mentoring_theme": "city_for_all",
            "working_languages": ["en"],
            "focus_language": "en",
            "status": "active",
            "starts_on": "2022-01-01",
            "ends_on": "2021-01-01",
            "cluster": "",
            "mentor_association": "",
            "mentee_association": "",
        },
    )
    assert "A city cannot mentor itself." in response.text
    assert "The end comes before the start." in response.text
    session.refresh(world.pair)
    assert world.pair.mentee_city_id != city


def test_add_change_and_remove_a_member_with_htmx(client, auth, world, session):
    auth.as_user(world.admin)
    url = f"/admin/pairs/{world.pair.id}/members"
    htmx = {"HX-Request": "true"}
    added = client.post(
        url,
        data={"email": world.nobody.email, "position": "partner:mentee", "organisation": ""},
        headers=htmx,
    )
    assert added.status_code == 200 and "<html" not in added.text
    assert "Noor Nobody" in added.text
    membership = session.scalar(select(Membership).where(Membership.user_id == world.nobody.id))
    assert (membership.role, membership.side) == (Role.PARTNER, Side.MENTEE)

    changed = client.post(
        f"{url}/{membership.id}", data={"position": "network:mentor"}, headers=htmx
    )
    assert changed.status_code == 200
    session.refresh(membership)
    assert (membership.role, membership.side) == (Role.NETWORK, Side.MENTOR)

    membership_id = membership.id
    removed = client.post(f"{url}/{membership_id}/remove", headers=htmx)
    assert removed.status_code == 200 and "Noor Nobody" not in removed.text
    assert session.get(Membership, membership_id) is None


def test_adding_an_unknown_address_asks_for_an_invitation(client, auth, world):
    auth.as_user(world.admin)
    response = client.post(
        f"/admin/pairs/{world.pair.id}/members",
        data={"email": "stranger@example.org", "position": "mentor:mentor"},
    )
    assert "Send an invitation instead" in response.text


def test_a_membership_of_another_pair_cannot_be_changed_through_this_pair(
    client, auth, world, session
):
    auth.as_user(world.admin)
    foreign = world.other_pair.memberships[0]
    response = client.post(
        f"/admin/pairs/{world.pair.id}/members/{foreign.id}", data={"position": "network:mentee"}
    )
    assert response.status_code == 404
    session.refresh(foreign)
    assert foreign.role is Role.MENTOR


def test_cluster_pairs_and_consultants(client, auth, world, session):
    auth.as_user(world.admin)
    response = client.post(
        "/admin/clusters/new", data={"name": "Language cluster", "pairs": [world.other_pair.id]}
    )
    assert response.status_code == 303
    cluster = session.scalar(select(Cluster).where(Cluster.name == "Language cluster"))
    assert [p.id for p in cluster.pairs] == [world.other_pair.id]

    consultant = make_user("new.consultant@example.org", "Nico Consult")
    client.post(f"/admin/clusters/{cluster.id}/consultants", data={"email": consultant.email})
    session.refresh(cluster)
    assert cluster.consultants == [consultant]
    auth.as_user(consultant)
    assert client.get(f"/pairs/{world.other_pair.id}").status_code == 200
    assert client.get(f"/pairs/{world.pair.id}").status_code == 404

    auth.as_user(world.admin)
    client.post(f"/admin/clusters/{cluster.id}/consultants/{consultant.id}/remove")
    session.refresh(cluster)
    assert cluster.consultants == []


def test_admin_lists_run_a_fixed_number_of_queries(app, client, auth, world):
    auth.as_user(world.admin)
    for path in ("/admin/pairs", "/admin/clusters", "/admin/organisations", "/admin/invitations"):
        with count_queries(app) as queries:
            assert client.get(path).status_code == 200
        assert len(queries) <= 6, path
