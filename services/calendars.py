"""Calendar files (RFC 5545, via icalendar): one event with its rule and exceptions, and a
private feed of what a resident is going to."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, vRecur
from icalendar import Event as VEvent
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.events import (
    CalendarFeed,
    CalendarFeedPublic,
    Event,
    EventStatus,
    OccurrenceChange,
    Rsvp,
    RsvpAnswer,
)
from models.residents import Resident, ResidentStatus
from services import events, geo, recurrence
from services.errors import NotFound

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=92)


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Kith//Neighbourhood events//EN")
    calendar.add("version", "2.0")
    return calendar


def _describe(component: VEvent, event: Event) -> None:
    component.add("summary", event.title)
    component.add(
        "description", "\n\n".join(filter(None, [event.description, event.accessibility]))
    )
    component.add("location", ", ".join(filter(None, [event.venue_name, event.venue_address])))
    component.add("geo", geo.cell_centre(event.venue_cell))
    component.add("sequence", event.version)
    component.add("dtstamp", utcnow())
    component.add("last-modified", event.updated_at)


def _rule(event: Event) -> vRecur:
    """The stored rule, with UNTIL written in UTC as RFC 5545 asks beside a zoned start."""
    assert event.rrule is not None
    rule: vRecur = vRecur.from_ical(event.rrule)
    if "UNTIL" in rule:
        tz = recurrence.zone(event.timezone)
        rule["UNTIL"] = [
            (until if until.tzinfo else until.replace(tzinfo=tz)).astimezone(UTC)
            if isinstance(until, datetime)
            else until
            for until in rule["UNTIL"]
        ]
    return rule


def event_file(event: Event, changes: list[OccurrenceChange]) -> bytes:
    tz = recurrence.zone(event.timezone)
    start = event.starts_at.astimezone(tz)
    master = VEvent()
    master.add("uid", f"{event.id}@kith")
    master.add("dtstart", start)
    master.add("dtend", event.ends_at.astimezone(tz))
    master.add("status", "CANCELLED" if event.status == EventStatus.cancelled else "CONFIRMED")
    _describe(master, event)
    calendar = _calendar()
    calendar.add_component(master)
    if event.rrule is not None:
        master.add("rrule", _rule(event))
        cancelled = [events.original_start(event, c.occurrence) for c in changes if c.cancelled]
        if cancelled:
            master.add("exdate", cancelled)
        for change in changes:
            if change.cancelled or change.starts_at is None or change.ends_at is None:
                continue
            moved = VEvent()
            moved.add("uid", f"{event.id}@kith")
            moved.add("recurrence-id", events.original_start(event, change.occurrence))
            moved.add("dtstart", change.starts_at.astimezone(tz))
            moved.add("dtend", change.ends_at.astimezone(tz))
            moved.add("status", "CONFIRMED")
            _describe(moved, event)
            calendar.add_component(moved)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def rotate_feed(session: AsyncSession, resident: Resident) -> CalendarFeedPublic:
    """A new private address; the old one stops working at once."""
    token = secrets.token_urlsafe(24)
    feed = await session.get(CalendarFeed, resident.id)
    if feed is None:
        feed = CalendarFeed(resident_id=resident.id, token_hash=_hash(token))
    feed.token_hash, feed.created_at = _hash(token), utcnow()
    session.add(feed)
    await session.flush()
    return CalendarFeedPublic(path=f"/v1/calendar/{token}.ics", created_at=feed.created_at)


async def stop_feed(session: AsyncSession, resident: Resident) -> None:
    feed = await session.get(CalendarFeed, resident.id)
    if feed is not None:
        await session.delete(feed)
        await session.flush()


async def feed_file(session: AsyncSession, token: str) -> bytes:
    """Every occurrence the token's owner is going to, from a month ago to three months
    ahead; cancelled ones stay in, marked cancelled, so calendar apps take them out."""
    found = await session.exec(
        select(Resident)
        .join(CalendarFeed, col(CalendarFeed.resident_id) == Resident.id)
        .where(CalendarFeed.token_hash == _hash(token))
        .where(Resident.status == ResidentStatus.active)
    )
    resident = found.first()
    if resident is None:
        raise NotFound("No such calendar.")
    now = utcnow()
    rows = await session.exec(
        select(Rsvp, Event)
        .join(Event, col(Event.id) == Rsvp.event_id)
        .where(Rsvp.resident_id == resident.id)
        .where(Rsvp.answer == RsvpAnswer.going, col(Rsvp.waitlisted).is_(False))
    )
    going = rows.all()
    changes = await events.changes_by_event(session, list({event.id for _, event in going}))
    calendar = _calendar()
    for rsvp, event in going:
        slots = events.schedule(event, changes[event.id]).slots(
            now - FEED_PAST, now + FEED_AHEAD, cancelled=True
        )
        for slot in (s for s in slots if s.occurrence == rsvp.occurrence):
            component = VEvent()
            component.add("uid", f"{event.id}-{slot.occurrence.isoformat()}@kith")
            component.add("dtstart", slot.starts_at)
            component.add("dtend", slot.ends_at)
            cancelled = slot.cancelled or event.status == EventStatus.cancelled
            component.add("status", "CANCELLED" if cancelled else "CONFIRMED")
            _describe(component, event)
            calendar.add_component(component)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
