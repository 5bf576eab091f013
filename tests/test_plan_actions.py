"""Plan actions (inline with htmx and with plain forms, validated, read-only for those who may
not edit) and the coverage view of the self-assessment's prioritised gaps."""

from datetime import date

import pytest
from sqlalchemy import func, select

from conftest import count_queries, make_org
from workspace import db
from workspace.models import (
    ActionStatus,
    AssessmentRating,
    KeyFactor,
    KeyFactorText,
    MentoringTheme,
    OrganisationKind,
    PlanAction,
    PlanStatus,
    Priority,
    Rating,
)
from workspace.plans import actions as plan_actions
from workspace.plans import services

HX = {"HX-Request": "true"}


def make_factor(theme, code, title, position=0):
    factor = KeyFactor(theme=theme, code=code, position=position)
    factor.texts.append(KeyFactorText(language="en", title=title, why_how="Because."))
    factor.texts.append(KeyFactorText(language="fr", title=f"{title} (fr)", why_how="Car."))
    db.session.add(factor)
    return factor


@pytest.fixture
def factors(app, world):
    """Three key factors of pair A's theme (a city for all), one of another theme."""
    theme = world.pair.mentoring_theme
    own = [
        make_factor(theme, "city.housing", "Fair access to housing", 1),
        make_factor(theme, "city.services", "Services that reach everyone", 2),
        make_factor(theme, "city.voice", "Newcomers have a voice", 3),
    ]
    other = make_factor(MentoringTheme.EMPLOYMENT, "jobs.skills", "Skills recognised", 1)
    db.session.commit()
    return own + [other]


@pytest.fixture
def plan(app, world, factors):
    plan = services.create_plan(world.pair, "Welcome plan", "en", world.mentor)
    db.session.commit()
    return plan


def base(plan):
    return f"/pairs/{plan.pair_id}/plans/{plan.id}/actions"


def form(**values):
    data = {"title": "Open a housing desk", "status": "planned", "lead_organisation": ""}
    data.update(values)
    return data


def rate(pair, factor, rating, target, priority):
    db.session.add(
        AssessmentRating(
            pair_id=pair.id,
            key_factor_id=factor.id,
            rating=rating,
            target=target,
            priority=priority,
        )
    )
    db.session.commit()


def count_actions():
    return db.session.scalar(select(func.count()).select_from(PlanAction))


# Creating, editing, deleting, reordering ------------------------------------------------


def test_editor_adds_an_action_with_a_plain_form(client, auth, world, plan, factors):
    auth.as_user(world.mentee)
    city = world.pair.mentee_city
    response = client.post(
        base(plan),
        data=form(
            description="A desk in the town hall.",
            key_factors=[str(factors[0].id), str(factors[2].id)],
            lead_organisation=str(city.id),
            partners="Tenants' union\nRefugee council",
            starts_on="2024-03-01",
            ends_on="2024-12-31",
            resources="Two staff",
            indicators="Households helped",
            status="in_progress",
        ),
    )
    assert response.status_code == 303
    action = db.session.scalars(select(PlanAction)).one()
    assert response.headers["Location"].endswith(f"{base(plan)}#action-{action.id}")
    assert action.plan_id == plan.id
    assert [f.code for f in action.key_factors] == ["city.housing", "city.voice"]
    assert action.lead_organisation_id == city.id
    assert (action.starts_on, action.ends_on) == (date(2024, 3, 1), date(2024, 12, 31))
    assert action.status is ActionStatus.IN_PROGRESS
    assert action.partners == "Tenants' union\nRefugee council"

    page = client.get(base(plan)).text
    assert "Open a housing desk" in page and "Fair access to housing" in page
    assert "Menteeburg" in page and "Refugee council" in page and "In progress" in page
    assert "Action “Open a housing desk” added." in page  # the flash after the redirect


def test_editor_adds_an_action_inline_with_htmx(client, auth, world, plan):
    auth.as_user(world.consultant)
    response = client.post(base(plan), data=form(title="Language café"), headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Language café" in response.text
    assert "Action “Language café” added." in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert count_actions() == 1


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"starts_on": "2024-05-01", "ends_on": "2024-04-30"}, "The end cannot be before"),
        ({"title": ""}, "This field is required."),
        ({"status": "finished"}, "Not a valid choice."),
    ],
)
def test_invalid_actions_come_back_with_errors(client, auth, world, plan, values, error):
    auth.as_user(world.mentor)
    for headers in ({}, HX):
        response = client.post(base(plan), data=form(**values), headers=headers)
        assert response.status_code == 200
        assert error in response.text
        assert 'aria-invalid="true"' in response.text
    assert count_actions() == 0


def test_key_factors_only_from_the_pairs_theme(client, auth, world, plan, factors):
    auth.as_user(world.mentor)
    other_theme = factors[3]
    response = client.post(base(plan), data=form(key_factors=[str(other_theme.id)]))
    assert response.status_code == 200
    assert "not a valid choice for this field" in response.text
    assert "Skills recognised" not in response.text  # not even offered
    assert count_actions() == 0


def test_lead_only_among_the_pairs_organisations(client, auth, world, plan):
    auth.as_user(world.mentor)
    stranger = world.other_pair.mentor_city
    response = client.post(base(plan), data=form(lead_organisation=str(stranger.id)))
    assert response.status_code == 200 and "Not a valid choice" in response.text
    assert count_actions() == 0

    # A member's own organisation may lead.
    ngo = make_org("Welcome NGO", kind=OrganisationKind.SUPPORT)
    world.pair.memberships[-1].organisation = ngo
    db.session.commit()
    assert ngo in plan_actions.pair_organisations(world.pair)
    assert stranger not in plan_actions.pair_organisations(world.pair)
    response = client.post(base(plan), data=form(lead_organisation=str(ngo.id)))
    assert response.status_code == 303
    assert db.session.scalars(select(PlanAction)).one().lead_organisation_id == ngo.id


def test_edit_update_delete_and_reorder(client, auth, world, plan, factors):
    first = plan_actions.add_action(plan, title="First", key_factors=[factors[0]])
    second = plan_actions.add_action(plan, title="Second")
    db.session.commit()
    auth.as_user(world.partner)

    page = client.get(f"{base(plan)}?edit={first.id}", headers=HX)
    assert page.status_code == 200 and "<html" not in page.text
    assert "Edit the action “First”" in page.text
    assert f'action="{base(plan)}/{first.id}"' in page.text

    response = client.post(
        f"{base(plan)}/{first.id}",
        data=form(title="First, renamed", key_factors=[str(factors[1].id)], status="done"),
    )
    assert response.status_code == 303
    db.session.refresh(first)
    assert first.title == "First, renamed" and first.status is ActionStatus.DONE
    assert [f.code for f in first.key_factors] == ["city.services"]

    response = client.post(f"{base(plan)}/{second.id}/move", data={"direction": "up"}, headers=HX)
    assert response.status_code == 200
    ordered = plan_actions.plan_actions(plan)
    assert [a.title for a in ordered] == ["Second", "First, renamed"]
    assert response.text.index("Second") < response.text.index("First, renamed")

    assert client.post(f"{base(plan)}/{second.id}/move", data={"direction": "x"}).status_code == 400

    response = client.post(f"{base(plan)}/{second.id}/delete")
    assert response.status_code == 303
    assert [a.title for a in plan_actions.plan_actions(plan)] == ["First, renamed"]


def test_invalid_update_keeps_the_row(client, auth, world, plan):
    action = plan_actions.add_action(plan, title="Keep me", starts_on=date(2024, 1, 1))
    db.session.commit()
    auth.as_user(world.mentor)
    response = client.post(
        f"{base(plan)}/{action.id}", data=form(starts_on="2024-02-01", ends_on="2024-01-01")
    )
    assert response.status_code == 200 and "The end cannot be before" in response.text
    assert "Edit the action “Keep me”" in response.text
    db.session.refresh(action)
    assert action.title == "Keep me" and action.ends_on is None


# Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["network_mentor", "network_mentee", "admin"])
def test_forged_action_edits_are_refused_and_change_nothing(client, auth, world, plan, role):
    action = plan_actions.add_action(plan, title="Original", status=ActionStatus.PLANNED)
    db.session.commit()
    auth.as_user(getattr(world, role))
    for headers in ({}, HX):
        assert (
            client.post(base(plan), data=form(title="Forged"), headers=headers).status_code == 403
        )
        forged = form(title="Forged", status="dropped")
        response = client.post(f"{base(plan)}/{action.id}", data=forged, headers=headers)
        assert response.status_code == 403
        assert client.post(f"{base(plan)}/{action.id}/delete", headers=headers).status_code == 403
        response = client.post(
            f"{base(plan)}/{action.id}/move", data={"direction": "up"}, headers=headers
        )
        assert response.status_code == 403
    db.session.refresh(action)
    assert (action.title, action.status) == ("Original", ActionStatus.PLANNED)
    assert count_actions() == 1


def test_readers_see_the_table_without_controls(client, auth, world, plan):
    action = plan_actions.add_action(plan, title="Open a housing desk")
    db.session.commit()
    auth.as_user(world.network_mentee)
    page = client.get(base(plan))
    assert page.status_code == 200
    assert "Open a housing desk" in page.text
    assert f"{base(plan)}/{action.id}" not in page.text  # no edit, move or delete
    assert 'id="action-form"' not in page.text
    # Asking for the edit form changes nothing for a reader.
    assert 'id="action-form"' not in client.get(f"{base(plan)}?edit={action.id}").text


def test_actions_of_a_plan_under_review_are_read_only(client, auth, world, plan):
    action = plan_actions.add_action(plan, title="Frozen")
    plan.status = PlanStatus.IN_REVIEW
    db.session.commit()
    auth.as_user(world.mentor)
    assert client.post(base(plan), data=form()).status_code == 403
    assert client.post(f"{base(plan)}/{action.id}", data=form(title="x")).status_code == 403
    assert 'id="action-form"' not in client.get(base(plan)).text
    assert count_actions() == 1


def test_other_plans_and_pairs_are_not_found(client, auth, world, plan):
    theirs = services.create_plan(world.other_pair, "Their plan", "en", world.other_pair_member)
    their_action = plan_actions.add_action(theirs, title="Theirs")
    db.session.commit()
    auth.as_user(world.mentor)
    assert client.post(f"{base(plan)}/{their_action.id}", data=form()).status_code == 404
    assert client.get(f"/pairs/{world.pair.id}/plans/{theirs.id}/actions").status_code == 404
    assert client.get(f"{base(plan)}?edit={their_action.id}").status_code == 404
    auth.as_user(world.other_pair_member)
    assert client.get(base(plan)).status_code == 404


def test_the_actions_page_runs_a_fixed_number_of_queries(client, auth, world, plan, factors):
    auth.as_user(world.mentor)
    lead = world.pair.mentor_city

    def add(n):
        for i in range(n):
            plan_actions.add_action(
                plan, title=f"Action {i}", key_factors=factors[:3], lead_organisation=lead
            )
        db.session.commit()

    add(2)
    with count_queries(client.application) as few:
        assert client.get(base(plan)).status_code == 200
    add(20)
    with count_queries(client.application) as many:
        assert client.get(base(plan)).status_code == 200
    assert len(few) == len(many)


# Coverage -------------------------------------------------------------------------------


def coverage_url(plan):
    return f"/pairs/{plan.pair_id}/plans/{plan.id}/coverage"


def test_coverage_flags_a_prioritised_gap_until_an_action_addresses_it(
    client, auth, world, plan, factors
):
    housing, services_, voice = factors[:3]
    rate(world.pair, housing, Rating.NOT_IN_PLACE, Rating.FULLY, Priority.HIGH)
    rate(world.pair, services_, Rating.EMERGING, Rating.PARTLY, Priority.LOW)  # not prioritised
    rate(world.pair, voice, Rating.FULLY, Rating.FULLY, Priority.HIGH)  # no gap

    rows = {r.factor.code: r for r in plan_actions.coverage_rows(plan, "en")}
    assert rows["city.housing"].uncovered
    assert rows["city.services"].is_gap and not rows["city.services"].uncovered
    assert not rows["city.voice"].is_gap

    auth.as_user(world.network_mentor)  # everyone who sees the pair reads the coverage
    page = client.get(coverage_url(plan)).text
    assert "1 prioritised gap has no action yet" in page
    assert f'id="gap-{housing.id}"' in page
    assert "coverage__row--uncovered" in page and "Prioritised gap without an action" in page

    # A dropped action does not count.
    dropped = plan_actions.add_action(
        plan, title="Dropped idea", key_factors=[housing], status=ActionStatus.DROPPED
    )
    db.session.commit()
    assert f'id="gap-{housing.id}"' in client.get(coverage_url(plan)).text

    plan_actions.add_action(plan, title="Open a housing desk", key_factors=[housing])
    db.session.commit()
    page = client.get(coverage_url(plan)).text
    assert f'id="gap-{housing.id}"' not in page
    assert "coverage__row--uncovered" not in page
    assert "Every prioritised gap has at least one action." in page
    assert "Open a housing desk" in page and dropped.title not in page

    # A newer rating that opens a gap elsewhere is flagged again.
    rate(world.pair, voice, Rating.PARTLY, Rating.FULLY, Priority.MEDIUM)
    page = client.get(coverage_url(plan)).text
    assert f'id="gap-{voice.id}"' in page and f'id="gap-{housing.id}"' not in page


def test_high_priority_gaps_come_first(app, world, plan, factors):
    housing, services_, voice = factors[:3]
    rate(world.pair, housing, Rating.EMERGING, Rating.FULLY, Priority.MEDIUM)
    rate(world.pair, voice, Rating.EMERGING, Rating.FULLY, Priority.HIGH)
    flagged = plan_actions.uncovered_first(plan_actions.coverage_rows(plan, "en"))
    assert [r.factor.code for r in flagged] == ["city.voice", "city.housing"]


def test_coverage_without_ratings_says_so(client, auth, world, plan):
    auth.as_user(world.mentor)
    page = client.get(coverage_url(plan)).text
    assert "has not rated any key factor yet" in page


def test_coverage_runs_a_fixed_number_of_queries(client, auth, world, plan, factors):
    auth.as_user(world.mentor)
    for factor in factors[:3]:
        rate(world.pair, factor, Rating.EMERGING, Rating.FULLY, Priority.HIGH)
    plan_actions.add_action(plan, title="One", key_factors=factors[:1])
    db.session.commit()
    with count_queries(client.application) as few:
        assert client.get(coverage_url(plan)).status_code == 200
    for i in range(15):
        plan_actions.add_action(plan, title=f"More {i}", key_factors=factors[:3])
        rate(world.pair, factors[i % 3], Rating.PARTLY, Rating.FULLY, Priority.HIGH)
    db.session.commit()
    with count_queries(client.application) as many:
        assert client.get(coverage_url(plan)).status_code == 200
    assert len(few) == len(many)
