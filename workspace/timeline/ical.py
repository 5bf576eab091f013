"""Events as an iCalendar (RFC 5545) feed."""

from datetime import UTC

from flask import url_for
from icalendar import Calendar
from icalendar import Event as VEvent

from ..models import Event

PRODID = "-//Mentoring workspace//Timeline//EN"
UID_DOMAIN = "mentoring-workspace"


def uid(event: Event) -> str:
    """Stable for the life of the event, whatever changes in it."""
    return f"event-{event.id}@{UID_DOMAIN}"


def feed(name: str, events: list[Event]) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        page = url_for("timeline.event", pair_id=event.pair_id, event_id=event.id, _external=True)
        item = VEvent()
        item.add("uid", uid(event))
        item.add("dtstamp", event.updated_at.astimezone(UTC))
        item.add("last-modified", event.updated_at.astimezone(UTC))
        item.add("dtstart", event.starts_at.astimezone(UTC))
        item.add("dtend", event.ends_at.astimezone(UTC))
        item.add("summary", event.title)
        location = event.place or event.online_url
        if location:
            item.add("location", location)
        description = "\n\n".join(part for part in (event.description, page) if part)
        item.add("description", description)
        item.add("url", page)
        item.add("categories", [event.kind.value])
        cal.add_component(item)
    return cal.to_ical()
