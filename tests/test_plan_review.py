"""The review workflow: draft → in review → approved (or changes requested back to draft) →
adopted → a new version; who may take each step, what each step leaves behind (a log row,
the timeline, notifications, mail) and what an invalid step leaves (nothing)."""

import pytest
from sqlalchemy import func, select, update

from conftest import add_member, make_user, outbox
from workspace import db
from workspace.models import (
    Activity,
    ActivityKind,
    EmailPreference,
    Notification,
    NotificationKind,
    Plan,
    PlanAction,
    PlanReviewStep,
    PlanStatus,
    Role,
    SectionText,
    Side,
)
from workspace.notifications.services import describe
from workspace.plans import review, services

HX = {"HX-Request": "true"}
ROLES = (
    "admin",
    "consultant",
    "other_consultant",
    "mentor",
    "mentee",
    "partner",
    "network_mentor",
    "network_mentee",
    "other_pair_member",
    "nobody",
)
OUTSIDERS = {"other_consultant", "other_pair_member", "nobody"}


@pytest.fixture
def plan(app, world):
    plan = services.create_plan(world.pair, "Welcoming newcomers", "en", world.mentor)
    db.session.add(PlanAction(plan=plan, title="Open a one-stop shop"))
    db.session.commit()
    return plan


def step_url(plan, step):
    return f"/pairs/{plan.pair_id}/plans/{plan.id}/{step.replace('_', '-')}"


def take(client, auth, user, plan, step, note="", headers=None):
    auth.as_user(user)
    return client.post(step_url(plan, step), data={"review-note": note}, headers=headers or {})


def set_status(plan, status):
    plan.status = status
    db.session.commit()


def steps_of(plan):
    return db.session.scalars(
        select(PlanReviewStep).where(PlanReviewStep.plan_id == plan.id).order_by(PlanReviewStep.id)
    ).all()


def members_and_consultant(world):
    return {
        u.id
        for u in (
            world.consultant,
            world.mentor,
            world.mentee,
            world.partner,
            world.network_mentor,
            world.network_mentee,
        )
    }


# The whole way ----------------------------------------------------------------------------


def test_full_workflow_through_the_routes(client, auth, world, plan):
    plan_page = f"/pairs/{plan.pair_id}/plans/{plan.id}"
    response = take(client, auth, world.mentee, plan, "submit", "Ready for a first look")
    assert response.status_code == 303
    assert response.location.endswith(f"{plan_page}?lang=en")
    assert plan.status is PlanStatus.IN_REVIEW

    # In review the text is read-only: the edit link is gone, and a save (say, of an editor
    # opened before the submission) is refused with its text given back (plans/routes.py).
    page = client.get(plan_page).text
    assert "/edit" not in page
    section = plan.sections[0]
    head = services.text_for(section, "en").current_revision_id
    edit = f"{plan_page}/sections/{section.id}/edit"
    late = client.post(edit, data={"title": "x", "body": "Late words", "base_revision_id": head})
    assert late.status_code == 409 and "Late words" in late.text
    assert services.text_for(section, "en").current_revision_id == head

    assert take(client, auth, world.consultant, plan, "approve", "Well argued").status_code == 303
    assert plan.status is PlanStatus.APPROVED
    assert take(client, auth, world.mentee, plan, "adopt").status_code == 303
    assert plan.status is PlanStatus.ADOPTED

    log = [(s.from_status, s.to_status, s.actor_id, s.note) for s in steps_of(plan)]
    assert log == [
        (PlanStatus.DRAFT, PlanStatus.IN_REVIEW, world.mentee.id, "Ready for a first look"),
        (PlanStatus.IN_REVIEW, PlanStatus.APPROVED, world.consultant.id, "Well argued"),
        (PlanStatus.APPROVED, PlanStatus.ADOPTED, world.mentee.id, ""),
    ]
    activity = db.session.scalars(
        select(Activity)
        .where(Activity.kind == ActivityKind.PLAN_STATUS_CHANGED)
        .order_by(Activity.id)
    ).all()
    assert [(a.subject_type, a.subject_id, a.actor_id, a.core_only) for a in activity] == [
        ("plan_in_review", plan.id, world.mentee.id, False),
        ("plan_approved", plan.id, world.consultant.id, False),
        ("plan_adopted", plan.id, world.mentee.id, False),
    ]

    # The timeline says each step, with a link to the plan, to the network members too.
    auth.as_user(world.network_mentee)
    timeline = client.get(f"/pairs/{plan.pair_id}/timeline").text
    assert "Manu Mentee submitted the plan “<a href" in timeline
    assert f'<a href="{plan_page}">Welcoming newcomers</a>' in timeline
    assert "Cora Consultant approved the plan" in timeline
    assert "Manu Mentee adopted the plan" in timeline

    # Adopted: read-only, and a new version can be started, once.
    auth.as_user(world.mentor)
    page = client.get(plan_page).text
    assert "Start a new version" in page and "/edit" not in page
    response = client.post(f"{plan_page}/new-version")
    assert response.status_code == 303
    draft = db.session.scalar(select(Plan).where(Plan.previous_id == plan.id))
    assert response.location.endswith(f"/plans/{draft.id}")
    assert (draft.status, draft.version, draft.title) == (PlanStatus.DRAFT, 2, plan.title)
    assert len(draft.sections) == len(plan.sections)
    again = client.post(f"{plan_page}/new-version", headers=HX)  # a second click: same draft
    assert again.headers["HX-Redirect"].endswith(f"/plans/{draft.id}")
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 2
    page = client.get(plan_page).text
    assert "Go to version 2" in page and "Start a new version" not in page
    assert (
        "The adopted version this one started from"
        in client.get(f"/pairs/{plan.pair_id}/plans/{draft.id}").text
    )
    created = db.session.scalar(
        select(Activity).where(
            Activity.kind == ActivityKind.PLAN_CREATED, Activity.subject_id == draft.id
        )
    )
    assert created is not None and created.actor_id == world.mentor.id


def test_changes_requested_need_a_note_and_go_back_to_draft(app, client, auth, world, plan):
    set_status(plan, PlanStatus.IN_REVIEW)
    auth.as_user(world.consultant)
    response = client.post(step_url(plan, "request_changes"), data={"review-note": "  "})
    assert response.status_code == 200 and "<html" in response.text  # a page of its own
    assert "Say what should change." in response.text
    fragment = client.post(step_url(plan, "request_changes"), data={}, headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert 'aria-invalid="true"' in fragment.text and "Say what should change." in fragment.text
    assert plan.status is PlanStatus.IN_REVIEW and steps_of(plan) == []
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0

    response = client.post(
        step_url(plan, "request_changes"),
        data={"review-note": "Add indicators to the actions"},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/pairs/{plan.pair_id}/plans/{plan.id}?lang=en"
    assert plan.status is PlanStatus.DRAFT
    [step] = steps_of(plan)
    assert (step.to_status, step.note) == (PlanStatus.DRAFT, "Add indicators to the actions")
    notes = db.session.scalars(select(Notification)).all()
    assert {n.detail for n in notes} == {"Add indicators to the actions"}
    with app.test_request_context():
        said = describe(notes[0])
    assert said == "Cora Consultant requested changes to the plan “Welcoming newcomers”"
    # Back to draft: editable again, and the history shows the request with its note.
    auth.as_user(world.mentor)
    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}").text
    assert "Cora Consultant requested changes" in page and "Add indicators to the actions" in page
    assert f"/sections/{plan.sections[0].id}/edit" in page


def test_a_note_longer_than_allowed_is_refused(client, auth, world, plan):
    response = take(client, auth, world.mentee, plan, "submit", "x" * (review.NOTE_MAX + 1))
    assert response.status_code == 200 and plan.status is PlanStatus.DRAFT


# Who may take each step -------------------------------------------------------------------

# step → (the status it starts from, the roles that may take it)
WHO = {
    "submit": (PlanStatus.DRAFT, {"mentor", "mentee", "partner"}),
    "approve": (PlanStatus.IN_REVIEW, {"consultant"}),
    "request_changes": (PlanStatus.IN_REVIEW, {"consultant"}),
    "adopt": (PlanStatus.APPROVED, {"mentee"}),
}


@pytest.mark.parametrize("step", WHO)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_allowed_or_refused_with_the_row_unchanged(
    client, auth, world, plan, step, role
):
    start, allowed = WHO[step]
    set_status(plan, start)
    before = plan.updated_at
    response = take(client, auth, getattr(world, role), plan, step, "A note")
    if role in allowed:
        assert response.status_code == 303
        assert plan.status is not start and len(steps_of(plan)) == 1
        return
    assert response.status_code == (404 if role in OUTSIDERS else 403)
    assert (plan.status, plan.updated_at, steps_of(plan)) == (start, before, [])
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


@pytest.mark.parametrize("step", WHO)
def test_a_step_from_the_wrong_status_is_refused(client, auth, world, plan, step):
    start, allowed = WHO[step]
    user = getattr(world, sorted(allowed)[0])
    for status in PlanStatus:
        if status is start:
            continue
        set_status(plan, status)
        for headers in ({}, HX):
            assert take(client, auth, user, plan, step, "", headers).status_code == 403
            assert plan.status is status and steps_of(plan) == []


def test_the_mentee_sides_partner_adopts_the_mentor_sides_does_not(client, auth, world, plan):
    mentee_partner = make_user("partner.mentee@example.org", "Paula Partner")
    add_member(world.pair, mentee_partner, Role.PARTNER, Side.MENTEE)
    set_status(plan, PlanStatus.APPROVED)
    assert take(client, auth, world.partner, plan, "adopt").status_code == 403
    assert take(client, auth, mentee_partner, plan, "adopt").status_code == 303
    assert plan.status is PlanStatus.ADOPTED


def test_new_version_only_from_an_adopted_plan_by_its_editors(client, auth, world, plan):
    url = f"/pairs/{plan.pair_id}/plans/{plan.id}/new-version"
    auth.as_user(world.mentor)
    assert client.post(url).status_code == 403  # still a draft
    set_status(plan, PlanStatus.ADOPTED)
    for role in ("admin", "network_mentor", "network_mentee"):
        auth.as_user(getattr(world, role))
        assert client.post(url).status_code == 403
    auth.as_user(world.nobody)
    assert client.post(url).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 1
    auth.as_user(world.consultant)
    assert client.post(url).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 2


def test_a_step_on_another_pairs_plan_is_not_found(client, auth, world):
    theirs = services.create_plan(world.other_pair, "Theirs", "en", world.other_pair_member)
    db.session.commit()
    auth.as_user(world.mentee)
    url = f"/pairs/{world.pair.id}/plans/{theirs.id}/submit"
    assert client.post(url).status_code == 404
    assert theirs.status is PlanStatus.DRAFT


def test_two_steps_at_once_only_one_lands(app, world, plan):
    """The status changes by compare-and-set: a step taken from a status that moved in the
    meantime writes nothing."""
    set_status(plan, PlanStatus.IN_REVIEW)
    stale = db.session.get(Plan, plan.id)
    # Someone else requested changes a moment ago (another transaction).
    db.session.execute(update(Plan).where(Plan.id == plan.id).values(status=PlanStatus.DRAFT))
    db.session.commit()
    with pytest.raises(review.StatusMoved):
        review.move(stale, "approve", world.consultant)
    db.session.rollback()
    assert db.session.get(Plan, plan.id).status is PlanStatus.DRAFT
    assert steps_of(plan) == []
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


# Notifications ----------------------------------------------------------------------------


def test_each_step_notifies_the_pair_and_consultant_but_not_the_actor(
    app, client, auth, world, plan
):
    take(client, auth, world.mentor, plan, "submit")
    notes = db.session.scalars(select(Notification)).all()
    assert {n.user_id for n in notes} == members_and_consultant(world) - {world.mentor.id}
    assert {n.kind for n in notes} == {NotificationKind.PLAN_STATUS}
    assert all(n.pair_id == world.pair.id and n.actor_id == world.mentor.id for n in notes)
    assert notes[0].url == f"/pairs/{plan.pair_id}/plans/{plan.id}#plan-review"
    assert world.other_consultant.id not in {n.user_id for n in notes}
    with app.test_request_context():
        said = describe(notes[0])
    assert said == "Mona Mentor submitted the plan “Welcoming newcomers” for review"

    take(client, auth, world.consultant, plan, "approve")
    approved = db.session.scalars(
        select(Notification).where(Notification.subject_type == "plan_approved")
    ).all()
    assert {n.user_id for n in approved} == members_and_consultant(world) - {world.consultant.id}
    with app.test_request_context():
        said = describe(approved[0])
    assert said == "Cora Consultant approved the plan “Welcoming newcomers”"

    take(client, auth, world.mentee, plan, "adopt")
    adopted = db.session.scalars(
        select(Notification).where(Notification.subject_type == "plan_adopted")
    ).all()
    assert {n.user_id for n in adopted} == members_and_consultant(world) - {world.mentee.id}
    with app.test_request_context():
        said = describe(adopted[0])
    assert said == "Manu Mentee adopted the plan “Welcoming newcomers”"
    # The list of notifications says it too.
    auth.as_user(world.network_mentor)
    assert (
        "Manu Mentee adopted the plan “Welcoming newcomers”" in client.get("/notifications/").text
    )


def test_people_who_want_mail_get_it_at_once_in_their_language(app, client, auth, world, plan):
    world.partner.email_preference = EmailPreference.IMMEDIATE
    world.mentee.email_preference = EmailPreference.IMMEDIATE  # the actor: no mail
    world.network_mentee.email_preference = EmailPreference.DAILY
    world.network_mentee.locale = "fr"
    db.session.commit()
    take(client, auth, world.mentee, plan, "submit", "Please have a look")
    mails = outbox(app)
    assert [m["To"] for m in mails] == [world.partner.email]
    assert "Manu Mentee submitted the plan “Welcoming newcomers” for review" in mails[0]["Subject"]
    body = mails[0].get_content()
    assert "Please have a look" in body
    assert f"/pairs/{plan.pair_id}/plans/{plan.id}#plan-review" in body
    daily = db.session.scalar(
        select(Notification).where(Notification.user_id == world.network_mentee.id)
    )
    assert daily is not None and daily.emailed_at is None  # waits for the digest


# The panel on the plan page ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "role", "buttons"),
    [
        (PlanStatus.DRAFT, "mentee", {"Submit for review"}),
        (PlanStatus.DRAFT, "consultant", set()),
        (PlanStatus.DRAFT, "network_mentor", set()),
        (PlanStatus.IN_REVIEW, "consultant", {"Approve", "Request changes"}),
        (PlanStatus.IN_REVIEW, "mentee", set()),
        (PlanStatus.APPROVED, "mentee", {"Adopt the plan"}),
        (PlanStatus.APPROVED, "mentor", set()),
        (PlanStatus.APPROVED, "consultant", set()),
        (PlanStatus.ADOPTED, "partner", {"Start a new version"}),
        (PlanStatus.ADOPTED, "network_mentee", set()),
        (PlanStatus.ADOPTED, "admin", set()),
    ],
)
def test_buttons_only_for_who_may_use_them(client, auth, world, plan, status, role, buttons):
    set_status(plan, status)
    auth.as_user(getattr(world, role))
    page = client.get(f"/pairs/{plan.pair_id}/plans/{plan.id}").text
    every = {
        "Submit for review",
        "Approve",
        "Request changes",
        "Adopt the plan",
        "Start a new version",
    }
    shown = {label for label in every if f">{label}<" in page}
    assert shown == buttons
    assert 'id="plan-review"' in page


def test_a_new_version_carries_text_and_translations(client, auth, world, plan):
    section = plan.sections[0]
    source = services.text_for(section, "en")
    services.save_text(
        source,
        base_revision_id=source.current_revision_id,
        title="Context",
        body="Our city",
        author=world.mentor,
    )
    set_status(plan, PlanStatus.ADOPTED)
    draft = review.start_version(plan, world.mentor)
    db.session.commit()
    copied = db.session.scalar(
        select(SectionText).where(
            SectionText.section_id == draft.sections[0].id, SectionText.language == "en"
        )
    )
    assert (copied.current_revision.title, copied.current_revision.body) == ("Context", "Our city")
    assert review.start_version(plan, world.mentor).id == draft.id
