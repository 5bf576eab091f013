"""The pair timeline: events, the merged activity stream, study visits, calendar feeds, live
polling."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from conftest import count_queries
from workspace import db
from workspace.activity import record
from workspace.models import (
    Activity,
    ActivityKind,
    Event,
    EventKind,
    EventParticipant,
    Membership,
    Notification,
    NotificationKind,
    Side,
)
from workspace.timeline.services import Cursor

NOW = datetime.now(UTC).replace(microsecond=0)


def make_event(pair, title, starts_at, kind=EventKind.MEETING, hours=2, **extra):
    event = Event(
        pair_id=pair.id,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        timezone=extra.pop("timezone", "Europe/Brussels"),
        **extra,
    )
    db.session.add(event)
    db.session.flush()
    return event


def make_activity(pair, kind, actor, title, at, core_only=False, subject_type="thread"):
    entry = record(pair, kind, actor, subject_type, 1, title, core_only=core_only)
    entry.created_at = at
    db.session.flush()
    return entry


def text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def stream_part(html: str) -> str:
    return html.split('id="timeline-stream"', 1)[1]


def upcoming_part(html: str) -> str:
    return html.split('id="upcoming-heading"', 1)[1].split('id="stream-heading"', 1)[0]


# Ordering, filter, paging ---------------------------------------------------------------


def test_upcoming_first_soonest_first_then_newest_first(client, auth, world):
    pair = world.pair
    make_event(pair, "Later visit", NOW + timedelta(days=20), EventKind.STUDY_VISIT_ONSITE)
    make_event(pair, "Soon meeting", NOW + timedelta(days=2))
    make_event(pair, "Old workshop", NOW - timedelta(days=30), EventKind.WORKSHOP)
    make_activity(
        pair, ActivityKind.THREAD_STARTED, world.mentor, "Recent thread", NOW - timedelta(days=1)
    )
    make_activity(
        pair,
        ActivityKind.TASK_DONE,
        world.mentee,
        "Ancient task",
        NOW - timedelta(days=60),
        subject_type="task",
    )
    auth.as_user(world.mentor)
    html = client.get(f"/pairs/{pair.id}/timeline").text
    upcoming = upcoming_part(html)
    assert upcoming.index("Soon meeting") < upcoming.index("Later visit")
    stream = stream_part(html)
    assert "Soon meeting" not in stream
    positions = [stream.index(t) for t in ("Recent thread", "Old workshop", "Ancient task")]
    assert positions == sorted(positions)
    assert "Mona Mentor started the thread “Recent thread”" in text(stream)
    assert "Manu Mentee completed the task “Ancient task”" in text(stream)
    assert f'<a href="/pairs/{pair.id}/tasks#task-1">Ancient task</a>' in stream


def test_activity_links_only_where_the_subject_has_a_page(client, auth, world):
    event = make_event(world.pair, "Kick-off", NOW - timedelta(days=3))
    record(world.pair, ActivityKind.EVENT_CREATED, world.mentor, "event", event.id, "Kick-off")
    record(world.pair, ActivityKind.THREAD_STARTED, world.mentor, "nothing-here", 5, "Orphan")
    auth.as_user(world.mentor)
    stream = stream_part(client.get(f"/pairs/{world.pair.id}/timeline").text)
    link = f'<a href="/pairs/{world.pair.id}/events/{event.id}">Kick-off</a>'
    assert f"added the event “{link}”" in stream
    assert "started the thread “Orphan”" in stream


def test_filter_by_kind_with_and_without_htmx(client, auth, world):
    pair = world.pair
    make_event(pair, "Past workshop", NOW - timedelta(days=3), EventKind.WORKSHOP)
    make_event(pair, "Past meeting", NOW - timedelta(days=4), EventKind.MEETING)
    make_activity(pair, ActivityKind.TASK_DONE, world.mentor, "Done task", NOW - timedelta(days=1))
    auth.as_user(world.mentor)
    html = client.get(f"/pairs/{pair.id}/timeline?kind=workshop").text
    assert "Past workshop" in html and "Past meeting" not in html and "Done task" not in html
    assert 'value="workshop" selected' in html or 'selected value="workshop"' in html
    fragment = client.get(
        f"/pairs/{pair.id}/timeline?kind=task_done", headers={"HX-Request": "true"}
    ).text
    assert "<html" not in fragment
    assert "Done task" in fragment and "Past workshop" not in fragment
    html = client.get(f"/pairs/{pair.id}/timeline?kind=events").text
    assert "Past workshop" in html and "Past meeting" in html and "Done task" not in html
    assert client.get(f"/pairs/{pair.id}/timeline?kind=nonsense").status_code == 200


def test_keyset_paging_has_no_duplicates_and_no_gaps(client, auth, world):
    pair = world.pair
    expected = []
    # Ties on purpose: an event and two activity entries at the same instants.
    for i in range(70):
        at = NOW - timedelta(hours=i // 3 + 1)
        if i % 3 == 0:
            make_event(pair, f"Item {i:03d}", at)
        else:
            make_activity(pair, ActivityKind.THREAD_STARTED, world.mentor, f"Item {i:03d}", at)
        expected.append(f"Item {i:03d}")
    auth.as_user(world.mentor)
    seen, url, pages = [], f"/pairs/{pair.id}/timeline", 0
    while url:
        html = client.get(url).text
        pages += 1
        seen += re.findall(r"Item \d{3}", stream_part(html))
        match = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert pages == 3
    assert len(seen) == len(set(seen)) == 70
    assert set(seen) == set(expected)


def test_a_bad_cursor_shows_the_first_page(client, auth, world):
    auth.as_user(world.mentor)
    response = client.get(f"/pairs/{world.pair.id}/timeline?before=garbage")
    assert response.status_code == 200
    assert Cursor.decode("20220101T000000.000000~7~1") is None


def test_network_members_do_not_see_core_only_activity(client, auth, world):
    pair = world.pair
    make_activity(
        pair, ActivityKind.THREAD_STARTED, world.mentor, "Core secret", NOW, core_only=True
    )
    make_activity(pair, ActivityKind.THREAD_STARTED, world.mentor, "Open talk", NOW)
    auth.as_user(world.network_mentee)
    html = client.get(f"/pairs/{pair.id}/timeline").text
    assert "Open talk" in html and "Core secret" not in html
    assert "Add an event" not in html
    auth.as_user(world.partner)
    html = client.get(f"/pairs/{pair.id}/timeline").text
    assert "Open talk" in html and "Core secret" in html


def _add_items(pair, actor, start, stop):
    for i in range(start, stop):
        at = NOW - timedelta(hours=i + 1)
        if i % 2:
            make_event(pair, f"Event {i}", at)
        else:
            make_activity(pair, ActivityKind.TASK_CREATED, actor, f"Task {i}", at)


def test_a_timeline_of_10_and_of_500_items_runs_the_same_queries(app, client, auth, world):
    pair = world.pair
    make_event(pair, "Upcoming", NOW + timedelta(days=1))
    _add_items(pair, world.mentor, 0, 10)
    auth.as_user(world.mentor)
    with count_queries(app) as small:
        assert client.get(f"/pairs/{pair.id}/timeline").status_code == 200
    _add_items(pair, world.partner, 10, 500)
    with count_queries(app) as large:
        html = client.get(f"/pairs/{pair.id}/timeline").text
    assert 'rel="next"' in html
    assert len(small) == len(large), (small, large)
    assert len(large) <= 5, "\n".join(large)
    # The timeline's own work is one statement: the upcoming events, the past events, the
    # activity and the stamp together.
    own = [s for s in large if "activity" in s or "event" in s]
    assert len(own) == 1, "\n".join(own)


def test_entries_escape_what_people_wrote_and_name_who_did_it(client, auth, world, session):
    pair = world.pair
    world.partner.name = "Pat <Partner> & co"
    make_activity(
        pair,
        ActivityKind.THREAD_STARTED,
        world.partner,
        "<b>Bold</b> talk",
        NOW - timedelta(hours=1),
    )
    make_activity(pair, ActivityKind.TASK_DONE, None, "Robot task", NOW - timedelta(hours=2))
    make_activity(
        pair, ActivityKind.POST_REPLIED, world.mentee, "Old reply", NOW - timedelta(hours=3)
    )
    world.mentee.erased_at = NOW
    make_event(pair, "Web call", NOW - timedelta(hours=4), online_url="https://example.org/call")
    make_event(pair, "Town hall", NOW - timedelta(hours=5), place="Salle <1>")
    session.commit()
    auth.as_user(world.mentor)
    stream = stream_part(client.get(f"/pairs/{pair.id}/timeline").text)
    said = "Pat &lt;Partner&gt; &amp; co started the thread “&lt;b&gt;Bold&lt;/b&gt; talk”"
    assert said in text(stream)
    assert "<b>" not in stream
    assert "Someone completed the task “Robot task”" in text(stream)
    assert "Former member replied in “Old reply”" in text(stream) and "Manu Mentee" not in stream
    assert '<p class="muted">Online</p>' in stream
    assert '<p class="muted">Salle &lt;1&gt;</p>' in stream


def test_the_timeline_speaks_the_readers_language(client, auth, world, session):
    pair = world.pair
    world.mentor.locale = "fr"
    make_event(pair, "Atelier passé", NOW - timedelta(days=2), EventKind.WORKSHOP)
    make_activity(pair, ActivityKind.THREAD_STARTED, world.mentee, "Logement", NOW)
    make_activity(pair, ActivityKind.TASK_DONE, None, "Tâche", NOW - timedelta(days=1))
    session.commit()
    auth.as_user(world.mentor)
    html = client.get(f"/pairs/{pair.id}/timeline").text
    stream = stream_part(html)
    assert "Manu Mentee a lancé la discussion « Logement »" in text(stream)
    assert "Quelqu&#39;un" in stream
    assert '<span class="tag">Atelier</span>' in stream
    assert '<option value="workshop">Atelier</option>' in html
    # The same process then answers in English for an English reader.
    auth.as_user(world.mentee)
    stream = stream_part(client.get(f"/pairs/{pair.id}/timeline").text)
    assert "Manu Mentee started the thread “Logement”" in text(stream)


def test_filtered_paging_and_poll_keep_the_filter(client, auth, world):
    pair = world.pair
    for i in range(30):
        make_activity(
            pair, ActivityKind.TASK_DONE, world.mentor, f"Done {i:02d}", NOW - timedelta(hours=i)
        )
        make_activity(
            pair,
            ActivityKind.POST_REPLIED,
            world.mentor,
            f"Reply {i:02d}",
            NOW - timedelta(hours=i),
        )
    make_event(pair, "Past meeting", NOW - timedelta(hours=3))
    auth.as_user(world.mentor)
    seen, url = [], f"/pairs/{pair.id}/timeline?kind=task_done"
    while url:
        html = client.get(url).text
        seen += re.findall(r"Done \d{2}|Reply \d{2}|Past meeting", stream_part(html))
        match = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == [f"Done {i:02d}" for i in range(30)]
    page = client.get(f"/pairs/{pair.id}/timeline?kind=task_done").text
    poll_url = re.search(r'hx-get="(/pairs/\d+/timeline/new[^"]*)"', page).group(1)
    poll_url = poll_url.replace("&amp;", "&")
    assert "kind=task_done" in poll_url
    record(pair, ActivityKind.POST_REPLIED, world.mentee, "thread", 1, "Not a task")
    record(pair, ActivityKind.TASK_DONE, world.mentee, "task", 3, "Fresh task")
    fresh = client.get(poll_url, headers={"HX-Request": "true"}).text
    assert "Fresh task" in fresh and "Not a task" not in fresh and "1 new entry" in fresh


# Creating and changing events -----------------------------------------------------------


def event_form(**overrides):
    data = {
        "kind": "workshop",
        "title": "Transfer workshop",
        "description": "Line one\n<b>not bold</b>",
        "language": "en",
        "timezone": "Europe/Riga",
        "starts_at": "2022-01-20T10:00",
        "ends_at": "2022-01-20T12:30",
        "place": "Jelgava city hall",
        "online_url": "",
    }
    return {**data, **overrides}


def test_create_an_event_stores_utc_from_the_local_time(client, auth, world, session):
    auth.as_user(world.mentor)
    response = client.post(f"/pairs/{world.pair.id}/events/new", data=event_form())
    assert response.status_code == 303
    event = session.scalar(select(Event))
    assert event.starts_at == datetime(2022, 1, 20, 8, 0, tzinfo=UTC)  # Riga is UTC+2 in winter
    assert event.ends_at == datetime(2022, 1, 20, 10, 30, tzinfo=UTC)
    assert event.timezone == "Europe/Riga" and event.created_by_id == world.mentor.id
    entry = session.scalar(select(Activity).where(Activity.kind == ActivityKind.EVENT_CREATED))
    assert entry.subject_id == event.id and entry.title == "Transfer workshop"
    page = client.get(response.location).text
    # Shown in the viewer's zone (Europe/Brussels: 09:00) and escaped, never rendered.
    assert "9:00" in page and "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert "Europe/Riga" in page


def test_summer_time_is_converted_too(client, auth, world, session):
    auth.as_user(world.mentor)
    form = event_form(starts_at="2022-07-01T10:00", ends_at="2022-07-01T11:00")
    client.post(f"/pairs/{world.pair.id}/events/new", data=form)
    assert session.scalar(select(Event.starts_at)) == datetime(2022, 7, 1, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "2023-02-29T10:00"}, "starts_at"),
        ({"ends_at": "2022-13-01T10:00"}, "ends_at"),
        ({"ends_at": "2022-01-20T09:00"}, "ends_at"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"title": ""}, "title"),
    ],
)
def test_invalid_input_gives_field_errors(client, auth, world, session, overrides, field):
    auth.as_user(world.mentor)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(
            f"/pairs/{world.pair.id}/events/new", data=event_form(**overrides), headers=headers
        )
        assert response.status_code == 200
        assert f'id="{field}-errors"' in response.text
        assert ("<html" in response.text) == (not headers)
    assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_online_link_must_be_http(session, world):
    with pytest.raises(ValueError):
        Event(online_url="javascript:alert(1)")
    assert Event(online_url="https://meet.example.org/x").online_url.startswith("https")


def test_edit_an_event_records_and_notifies_participants(client, auth, world, session):
    event = make_event(world.pair, "Steering meeting", datetime(2022, 3, 1, 9, tzinfo=UTC))
    event.participants = [
        EventParticipant(user_id=world.mentee.id, side=Side.MENTEE),
        EventParticipant(user_id=world.mentor.id, side=Side.MENTOR),
    ]
    auth.as_user(world.mentor)
    url = f"/pairs/{world.pair.id}/events/{event.id}/edit"
    form = client.get(url).text
    assert 'value="2022-03-01T10:00"' in form  # shown in the event's zone, Brussels
    response = client.post(
        url,
        data=event_form(
            kind="meeting",
            title="Steering meeting (moved)",
            timezone="Europe/Brussels",
            starts_at="2022-03-02T10:00",
            ends_at="2022-03-02T11:00",
        ),
    )
    assert response.status_code == 303
    session.refresh(event)
    assert event.starts_at == datetime(2022, 3, 2, 9, tzinfo=UTC)
    kinds = session.scalars(select(Activity.kind).order_by(Activity.id)).all()
    assert kinds == [ActivityKind.EVENT_CHANGED]
    notes = session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notes] == [
        (world.mentee.id, NotificationKind.EVENT_CHANGED)
    ]  # not the actor
    assert notes[0].url == f"/pairs/{world.pair.id}/events/{event.id}"


def test_saving_an_unchanged_event_records_nothing(client, auth, world, session):
    auth.as_user(world.mentor)
    client.post(f"/pairs/{world.pair.id}/events/new", data=event_form())
    event = session.scalar(select(Event))
    client.post(f"/pairs/{world.pair.id}/events/{event.id}/edit", data=event_form())
    kinds = session.scalars(select(Activity.kind)).all()
    assert kinds == [ActivityKind.EVENT_CREATED]


def test_an_event_of_another_pair_is_not_found(client, auth, world):
    event = make_event(world.other_pair, "Elsewhere", NOW)
    auth.as_user(world.mentor)
    assert client.get(f"/pairs/{world.pair.id}/events/{event.id}").status_code == 404


# Study visits ---------------------------------------------------------------------------


def test_study_visit_record_and_participants(client, auth, world, session):
    pair = world.pair
    visit = make_event(
        pair, "Visit to Mentorville", NOW - timedelta(days=5), EventKind.STUDY_VISIT_ONSITE
    )
    auth.as_user(world.partner)
    base = f"/pairs/{pair.id}/events/{visit.id}"
    response = client.post(
        base + "/visit",
        data={
            "agenda": "9:00 welcome\n10:00 tour",
            "what_was_seen": "The women's house",
            "findings": "Start small",
        },
    )
    assert response.status_code == 303
    # Only members of the pair can be chosen.
    response = client.post(base + "/participants", data={"people": [world.nobody.id]})
    assert response.status_code == 200 and 'id="people-errors"' in response.text
    response = client.post(
        base + "/participants",
        data={"people": [world.mentee.id], "organisations": [pair.mentor_city.id]},
    )
    assert response.status_code == 303
    session.refresh(visit)
    assert visit.agenda == "9:00 welcome\n10:00 tour" and visit.findings == "Start small"
    got = {(p.user_id, p.organisation_id, p.side) for p in visit.participants}
    assert got == {(world.mentee.id, None, Side.MENTEE), (None, pair.mentor_city.id, Side.MENTOR)}
    page = client.get(base).text
    assert "The women&#39;s house" in page and "Manu Mentee" in page and "Mentorville" in page
    # Removing one keeps the other.
    client.post(base + "/participants", data={"people": [world.mentee.id]})
    session.refresh(visit)
    assert [(p.user_id, p.side) for p in visit.participants] == [(world.mentee.id, Side.MENTEE)]


def test_only_study_visits_have_a_visit_record(client, auth, world):
    meeting = make_event(world.pair, "Meeting", NOW)
    auth.as_user(world.mentor)
    assert client.get(f"/pairs/{world.pair.id}/events/{meeting.id}/visit").status_code == 404


def test_network_members_see_events_but_cannot_change_them(client, auth, world):
    visit = make_event(world.pair, "Visit", NOW, EventKind.STUDY_VISIT_VIRTUAL)
    auth.as_user(world.network_mentor)
    page = client.get(f"/pairs/{world.pair.id}/events/{visit.id}")
    assert page.status_code == 200 and "Edit the event" not in page.text
    assert (
        client.post(f"/pairs/{world.pair.id}/events/{visit.id}/edit", data=event_form()).status_code
        == 403
    )


def test_follow_up_tasks_from_the_visit_page(client, auth, world, session):
    from workspace.models import Task

    visit = make_event(world.pair, "Visit", NOW - timedelta(days=1), EventKind.STUDY_VISIT_ONSITE)
    auth.as_user(world.mentee)
    base = f"/pairs/{world.pair.id}/events/{visit.id}"
    response = client.post(base + "/follow-ups", data={"title": "Draft the women's house brief"})
    assert response.status_code == 303
    task = session.scalar(select(Task))
    assert task.title == "Draft the women's house brief" and task.pair_id == world.pair.id
    assert task.task_list.for_follow_up
    session.refresh(visit)
    assert [t.id for t in visit.follow_up_tasks] == [task.id]
    page = client.get(base).text
    assert f'href="/pairs/{world.pair.id}/tasks#task-{task.id}"' in page
    response = client.post(base + "/follow-ups", data={"title": ""})
    assert response.status_code == 200 and 'id="title-errors"' in response.text
    auth.as_user(world.network_mentee)
    assert client.post(base + "/follow-ups", data={"title": "x"}).status_code == 403
    assert "Add the task" not in client.get(base).text


# Calendar feeds -------------------------------------------------------------------------


def feed_urls(client) -> list[str]:
    page = client.get("/calendar").text
    return [
        u.replace("http://workspace.test", "")
        for u in re.findall(r"http://workspace\.test/calendar/[^<\s]+", page)
    ]


def test_feeds_are_valid_icalendar_with_links_back(client, auth, world, session):
    event = make_event(
        world.pair,
        "Training Academy",
        datetime(2022, 12, 7, 8, tzinfo=UTC),
        EventKind.TRAINING,
        place="Brussels",
        description="Two days; closing academy",
    )
    make_event(world.other_pair, "Not mine", datetime(2022, 12, 7, 8, tzinfo=UTC))
    auth.as_user(world.mentor)
    assert feed_urls(client) == []  # nothing until asked for
    assert client.post("/calendar/regenerate").status_code == 303
    mine, pair_feed = feed_urls(client)
    assert pair_feed.endswith(f"/pairs/{world.pair.id}.ics")
    auth.as_user(None)  # a calendar application has no session
    for url in (mine, pair_feed):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "text/calendar"
        cal = Calendar.from_ical(response.data)
        items = cal.walk("VEVENT")
        assert [str(i["SUMMARY"]) for i in items] == ["Training Academy"]
        item = items[0]
        assert str(item["UID"]) == f"event-{event.id}@mentoring-workspace"
        assert item.decoded("DTSTART") == datetime(2022, 12, 7, 8, tzinfo=UTC)
        assert item.decoded("DTEND") == datetime(2022, 12, 7, 10, tzinfo=UTC)
        assert "DTSTAMP" in item and str(item["LOCATION"]) == "Brussels"
        link = f"http://workspace.test/pairs/{world.pair.id}/events/{event.id}"
        assert str(item["URL"]) == link and link in str(item["DESCRIPTION"])
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    # The stored secret is a hash, not the token itself.
    from workspace.models import CalendarFeedToken

    stored = session.scalar(select(CalendarFeedToken.token_hash))
    assert stored not in mine


def test_regenerating_invalidates_the_old_urls(client, auth, world):
    auth.as_user(world.mentor)
    client.post("/calendar/regenerate")
    old = feed_urls(client)
    client.post("/calendar/regenerate")
    new = feed_urls(client)
    assert set(old).isdisjoint(new)
    auth.as_user(None)
    assert all(client.get(u).status_code == 404 for u in old)
    assert all(client.get(u).status_code == 200 for u in new)


def test_a_pair_feed_needs_a_token_of_someone_who_sees_the_pair(client, auth, world):
    auth.as_user(world.other_pair_member)
    client.post("/calendar/regenerate")
    (mine, theirs) = feed_urls(client)
    auth.as_user(None)
    assert client.get(theirs).status_code == 200
    assert (
        client.get(
            theirs.replace(f"/pairs/{world.other_pair.id}.ics", f"/pairs/{world.pair.id}.ics")
        ).status_code
        == 404
    )
    assert client.get("/calendar/forged.ics").status_code == 404
    assert client.get(f"/calendar/forged/pairs/{world.pair.id}.ics").status_code == 404


# Live -----------------------------------------------------------------------------------


def test_poll_answers_304_until_something_changes(app, client, auth, world, session):
    pair = world.pair
    make_activity(
        pair, ActivityKind.THREAD_STARTED, world.mentor, "First", NOW - timedelta(hours=1)
    )
    auth.as_user(world.mentor)
    page = client.get(f"/pairs/{pair.id}/timeline")
    etag = page.headers["ETag"]
    poll_url = re.search(r'hx-get="(/pairs/\d+/timeline/new[^"]*)"', page.text).group(1)
    poll_url = poll_url.replace("&amp;", "&")
    headers = {"HX-Request": "true", "If-None-Match": etag}
    with count_queries(app) as statements:
        response = client.get(poll_url, headers=headers)
    assert response.status_code == 304
    timeline_lookups = [s for s in statements if "activity" in s or "event" in s]
    assert len(timeline_lookups) == 1, statements
    # A change made by someone else: the etag moves and the new entry comes back.
    record(pair, ActivityKind.TASK_DONE, world.mentee, "task", 7, "Send the agenda")
    response = client.get(poll_url, headers=headers)
    assert response.status_code == 200
    assert response.headers["ETag"] != etag
    assert "Manu Mentee completed the task" in text(response.text)
    assert "First" not in response.text  # only what is new
    assert 'hx-swap-oob="true"' in response.text and "1 new entry" in response.text
    # The new poller carries the new ETag; asking with it gives 304 again.
    new_etag = response.headers["ETag"]
    assert client.get(poll_url, headers={**headers, "If-None-Match": new_etag}).status_code == 304
    # An event change moves the ETag too.
    event = make_event(pair, "Meeting", NOW + timedelta(days=1))
    assert client.get(poll_url, headers={**headers, "If-None-Match": new_etag}).status_code == 200
    del event


def test_poll_hides_core_only_entries_from_network_members(client, auth, world):
    pair = world.pair
    auth.as_user(world.network_mentor)
    page = client.get(f"/pairs/{pair.id}/timeline")
    poll_url = re.search(r'hx-get="(/pairs/\d+/timeline/new[^"]*)"', page.text).group(1)
    record(
        pair, ActivityKind.THREAD_STARTED, world.mentor, "thread", 1, "Core talk", core_only=True
    )
    response = client.get(poll_url.replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Core talk" not in response.text


def test_poll_without_htmx_goes_to_the_page(client, auth, world):
    auth.as_user(world.mentor)
    response = client.get(f"/pairs/{world.pair.id}/timeline/new")
    assert response.status_code == 303


# Demo content ---------------------------------------------------------------------------


def test_demo_timeline_fills_every_pair_and_pages(client, auth, session):
    from workspace.demo import load as load_network
    from workspace.demo import timeline as demo_timeline
    from workspace.models import Pair, User

    load_network()  # the network's loader adds each area's demo content
    pairs = session.scalars(select(Pair).order_by(Pair.id)).all()
    assert demo_timeline.load(pairs) == 0  # idempotent
    for pair in pairs:
        events = session.scalars(select(Event).where(Event.pair_id == pair.id)).all()
        kinds = [e.kind for e in events]
        assert kinds.count(EventKind.STUDY_VISIT_ONSITE) == 2
        assert kinds.count(EventKind.STUDY_VISIT_VIRTUAL) == 1
        assert {
            EventKind.WORKSHOP,
            EventKind.TRAINING,
            EventKind.MEETING,
            EventKind.DEADLINE,
        } <= set(kinds)
        assert all(2021 <= e.starts_at.year <= 2022 and e.ends_at > e.starts_at for e in events)
        academy = [e for e in events if e.starts_at.date().isoformat() == "2022-12-07"]
        assert len(academy) == 1 and academy[0].ends_at.date().isoformat() == "2022-12-08"
        visits = [e for e in events if e.kind.is_study_visit]
        assert all(v.agenda and v.what_was_seen and v.findings and v.participants for v in visits)
    brussels = pairs[0]
    assert any(
        "maison des femmes" in e.findings
        for e in session.scalars(select(Event).where(Event.pair_id == brussels.id))
    )
    mentor = session.scalar(
        select(User).join(User.memberships).where(Membership.pair_id == brussels.id).limit(1)
    )
    auth.as_user(mentor)
    html = client.get(f"/pairs/{brussels.id}/timeline").text
    assert 'rel="next"' in html and "Visite d" in html


def test_saving_an_event_through_htmx_navigates_to_its_page(client, auth, world, session):
    """The form's region must not receive a whole page: htmx is told to load it instead."""
    auth.as_user(world.mentor)
    response = client.post(
        f"/pairs/{world.pair.id}/events/new",
        data={
            "kind": "meeting",
            "title": "Steering group",
            "language": "en",
            "timezone": "Europe/Brussels",
            "starts_at": "2022-03-01T10:00",
            "ends_at": "2022-03-01T12:00",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    event = session.scalar(select(Event).where(Event.title == "Steering group"))
    assert response.headers["HX-Redirect"] == f"/pairs/{world.pair.id}/events/{event.id}"
    assert response.text == ""


def upcoming_oob(html: str) -> str:
    """The upcoming section a poll sends out of band ('' when not sent)."""
    match = re.search(r'<section id="upcoming"[^>]*hx-swap-oob="true".*?</section>', html, re.S)
    return match.group(0) if match else ""


def test_poll_refreshes_the_upcoming_events_when_events_change(app, client, auth, world):
    pair = world.pair
    soon = (NOW + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    later = (NOW + timedelta(days=3, hours=2)).strftime("%Y-%m-%dT%H:%M")
    event = make_event(pair, "Steering group", NOW + timedelta(days=3))
    db.session.commit()
    auth.as_user(world.mentor)
    page = client.get(f"/pairs/{pair.id}/timeline")
    assert "Steering group" in upcoming_part(page.text)
    poll_url = re.search(r'hx-get="(/pairs/\d+/timeline/new[^"]*)"', page.text).group(1)
    poll_url = poll_url.replace("&amp;", "&")
    assert "events=" in poll_url
    headers = {"HX-Request": "true", "If-None-Match": page.headers["ETag"]}
    with count_queries(app) as statements:
        assert client.get(poll_url, headers=headers).status_code == 304
    assert len([s for s in statements if "activity" in s or "event" in s]) == 1, statements

    # Someone else renames the event: the poll sends the upcoming section again, in place.
    auth.as_user(world.mentee)
    form = event_form(title="Steering group, moved", starts_at=soon, ends_at=later)
    assert client.post(f"/pairs/{pair.id}/events/{event.id}/edit", data=form).status_code == 303
    auth.as_user(world.mentor)
    response = client.get(poll_url, headers=headers)
    assert response.status_code == 200 and response.headers["ETag"] != page.headers["ETag"]
    upcoming = upcoming_oob(response.text)
    assert "Steering group, moved" in upcoming and 'id="upcoming-heading"' in upcoming
    assert "changed the event" in text(response.text)  # the activity entry as before

    # Activity alone (no event changed) leaves the section alone.
    poll_url = re.search(r'hx-get="(/pairs/\d+/timeline/new[^"]*)"', response.text).group(1)
    poll_url = poll_url.replace("&amp;", "&")
    headers = {**headers, "If-None-Match": response.headers["ETag"]}
    assert client.get(poll_url, headers=headers).status_code == 304
    record(pair, ActivityKind.TASK_DONE, world.mentee, "task", 7, "Send the agenda")
    db.session.commit()
    response = client.get(poll_url, headers=headers)
    assert response.status_code == 200 and "completed the task" in text(response.text)
    assert upcoming_oob(response.text) == ""

    # A new event arrives in the section too, soonest first.
    poll_url = re.search(r'hx-get="(/pairs/\d+/timeline/new[^"]*)"', response.text).group(1)
    headers = {**headers, "If-None-Match": response.headers["ETag"]}
    tomorrow = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = event_form(title="Kick-off call", starts_at=tomorrow, ends_at=soon)
    assert client.post(f"/pairs/{pair.id}/events/new", data=form).status_code == 303
    response = client.get(poll_url.replace("&amp;", "&"), headers=headers)
    upcoming = upcoming_oob(response.text)
    assert upcoming.index("Kick-off call") < upcoming.index("Steering group, moved")
