"""Events: hosting, changing and cancelling them, and finding the occurrences near you."""

import uuid
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, or_, update
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.event_hosts import EventHost
from models.events import (
    AREA_RESOLUTION,
    VENUE_RESOLUTION,
    Event,
    EventCreate,
    EventPublic,
    EventStatus,
    EventUpdate,
    OccurrenceChange,
    OccurrenceMove,
    OccurrencePublic,
    Rsvp,
    RsvpAnswer,
    Venue,
    VenueIn,
)
from models.neighbourhoods import Neighbourhood, NeighbourhoodCell, NeighbourhoodConnector
from models.notifications import NotificationKind
from models.residents import NeighbourhoodRef, Resident
from models.sync import SyncKind
from models.trust import ResidentRef
from models.webhooks import WebhookEventType
from services import blocks, changes, geo, notifications, posts, recurrence, webhooks
from services.errors import Forbidden, InvalidInput, NotFound, PreconditionFailed
from services.posts import FeedKey, Reach, VersionMatch, paginate

MAX_WINDOW = timedelta(days=92)
PAST_START_ALLOWED = timedelta(days=1)


def schedule(event: Event, changes: list[OccurrenceChange]) -> recurrence.Schedule:
    return recurrence.Schedule(
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        rule_text=event.rrule,
        changes=tuple(
            recurrence.Change(c.occurrence, c.cancelled, c.starts_at, c.ends_at) for c in changes
        ),
    )


async def changes_by_event(
    session: AsyncSession, event_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[OccurrenceChange]]:
    found: dict[uuid.UUID, list[OccurrenceChange]] = {event_id: [] for event_id in event_ids}
    if event_ids:
        rows = await session.exec(
            select(OccurrenceChange).where(col(OccurrenceChange.event_id).in_(event_ids))
        )
        for change in rows.all():
            found[change.event_id].append(change)
    return found


async def changes_of(session: AsyncSession, event_id: uuid.UUID) -> list[OccurrenceChange]:
    return (await changes_by_event(session, [event_id]))[event_id]


def original_start(event: Event, occurrence: date) -> datetime:
    """Where the rule put an occurrence: its date at the series' local start time, with
    that date's own UTC offset."""
    tz = recurrence.zone(event.timezone)
    return recurrence.local(datetime.combine(occurrence, event.starts_at.astimezone(tz).time()), tz)


def local_midnight(event: Event, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=recurrence.zone(event.timezone))


async def _hosts(session: AsyncSession, event_id: uuid.UUID) -> list[ResidentRef]:
    rows = await session.exec(
        select(Resident.id, Resident.display_name)
        .join(EventHost, col(EventHost.resident_id) == Resident.id)
        .where(EventHost.event_id == event_id, col(EventHost.accepted_at).is_not(None))
        .order_by(col(EventHost.added_at), col(Resident.id))
    )
    return [ResidentRef(id=rid, display_name=name) for rid, name in rows.all()]


async def describe(session: AsyncSession, event: Event) -> EventPublic:
    neighbourhood = None
    if event.neighbourhood_id is not None:
        found = await session.get(Neighbourhood, event.neighbourhood_id)
        if found is not None:
            neighbourhood = NeighbourhoodRef(id=found.id, name=found.name)
    return public(event, await _hosts(session, event.id), neighbourhood)


def _venue(event: Event) -> Venue:
    lat, lon = geo.cell_centre(event.venue_cell)
    return Venue(name=event.venue_name, address=event.venue_address, lat=lat, lon=lon)


def public(
    event: Event, hosts: list[ResidentRef], neighbourhood: NeighbourhoodRef | None
) -> EventPublic:
    tz = recurrence.zone(event.timezone)
    return EventPublic(
        id=event.id,
        kind=event.kind,
        title=event.title,
        description=event.description,
        accessibility=event.accessibility,
        venue=_venue(event),
        timezone=event.timezone,
        starts_at=event.starts_at.astimezone(tz),
        ends_at=event.ends_at.astimezone(tz),
        rrule=event.rrule,
        capacity=event.capacity,
        status=event.status,
        hosts=hosts,
        neighbourhood=neighbourhood,
        version=event.version,
        created_at=event.created_at,
    )


def _place(event: Event, venue: VenueIn) -> None:
    event.venue_name, event.venue_address = venue.name, venue.address
    event.venue_cell = geo.cell_of(venue.lat, venue.lon, VENUE_RESOLUTION)
    event.cell = geo.cell_of(venue.lat, venue.lon, AREA_RESOLUTION)


def _time(event: Event, starts_at: datetime, ends_at: datetime, rule: str | None) -> None:
    tz = recurrence.zone(event.timezone)
    start, end = recurrence.times(starts_at, ends_at, tz)
    if rule is not None:
        recurrence.parse(rule, start)
    event.starts_at, event.ends_at, event.rrule = start, end, rule


def _hidden_by_a_host(viewer_id: uuid.UUID) -> ColumnElement[bool]:
    """True for an event one of whose hosts is on either side of a block with the viewer."""
    return exists().where(
        col(EventHost.event_id) == Event.id,
        col(EventHost.accepted_at).is_not(None),
        blocks.block_between(viewer_id, EventHost.resident_id),
    )


def _hosting(viewer_id: uuid.UUID) -> ColumnElement[bool]:
    """True for an event the viewer hosts: by saying yes, or as a connector of the
    neighbourhood it is hosted for."""
    return or_(
        exists().where(
            col(EventHost.event_id) == Event.id,
            col(EventHost.resident_id) == viewer_id,
            col(EventHost.accepted_at).is_not(None),
        ),
        exists().where(
            col(NeighbourhoodConnector.neighbourhood_id) == Event.neighbourhood_id,
            col(NeighbourhoodConnector.resident_id) == viewer_id,
        ),
    )


async def _for_neighbourhood(
    session: AsyncSession, host: Resident, event: Event, neighbourhood_id: uuid.UUID
) -> None:
    """Hosting for a neighbourhood is for its connectors, at a venue in its area."""
    connects = await session.get(NeighbourhoodConnector, (neighbourhood_id, host.id))
    if connects is None:
        raise Forbidden("Only a connector of that neighbourhood can host for it.")
    await _venue_in_area(session, event, neighbourhood_id)
    event.neighbourhood_id = neighbourhood_id


async def _venue_in_area(session: AsyncSession, event: Event, neighbourhood_id: uuid.UUID) -> None:
    inside = await session.get(NeighbourhoodCell, (neighbourhood_id, event.cell))
    if inside is None:
        raise InvalidInput("The venue is outside the neighbourhood's area.", field=("venue",))


async def create(session: AsyncSession, host: Resident, data: EventCreate) -> EventPublic:
    event = Event(
        kind=data.kind,
        title=data.title,
        description=data.description,
        accessibility=data.accessibility,
        timezone=data.timezone,
        capacity=data.capacity,
        created_by=host.id,
        venue_name="",
        venue_cell="",
        cell="",
        starts_at=utcnow(),
        ends_at=utcnow(),
    )
    _place(event, data.venue)
    _time(event, data.starts_at, data.ends_at, data.rrule)
    if event.starts_at < utcnow() - PAST_START_ALLOWED:
        raise InvalidInput("starts_at is in the past.", field=("starts_at",))
    event.last_ends_at = schedule(event, []).last_end()
    if data.neighbourhood_id is not None:
        await _for_neighbourhood(session, host, event, data.neighbourhood_id)
    session.add(event)
    await session.flush()
    session.add(EventHost(event_id=event.id, resident_id=host.id, accepted_at=utcnow()))
    await session.flush()
    await webhooks.emit(session, WebhookEventType.event_created, event_id=event.id)
    return await describe(session, event)


async def visible(session: AsyncSession, viewer: Resident, event_id: uuid.UUID) -> Event:
    """The event, unless it is missing or a host and the viewer are blocked either way.
    (Hosts always see what they host, whatever blocks lie between co-hosts.)"""
    found = await session.exec(
        select(Event)
        .where(Event.id == event_id)
        .where(or_(~_hidden_by_a_host(viewer.id), _hosting(viewer.id)))
    )
    event = found.first()
    if event is None:
        raise NotFound("No such event.")
    return event


async def shown_among(
    session: AsyncSession, viewer: Resident, reach: Reach | None, ids: list[uuid.UUID]
) -> list[EventPublic]:
    """Those of `ids` the viewer syncs: events in reach that are not over (cancelled ones
    too, so a phone can say so), unless a block hides them; and every event they host."""
    if not ids:
        return []
    hosting = select(Event).where(col(Event.id).in_(ids), _hosting(viewer.id))
    hosted = (await session.exec(hosting)).all()
    nearby: list[Event] = []
    if reach is not None:
        rows = await session.exec(
            select(Event)
            .where(col(Event.id).in_(ids), col(Event.cell).in_(reach.cells))
            .where(or_(col(Event.last_ends_at).is_(None), col(Event.last_ends_at) > utcnow()))
            .where(~_hidden_by_a_host(viewer.id))
        )
        nearby = [e for e in rows.all() if reach.distance_m(e.cell) <= reach.within_m]
    shown = {event.id: event for event in [*nearby, *hosted]}
    return [await describe(session, event) for event in shown.values()]


async def read(session: AsyncSession, viewer: Resident, event_id: uuid.UUID) -> EventPublic:
    event = await visible(session, viewer, event_id)
    return await describe(session, event)


async def hosted(session: AsyncSession, host: Resident, event_id: uuid.UUID) -> Event:
    event = await visible(session, host, event_id)
    found = await session.exec(select(Event.id).where(Event.id == event.id, _hosting(host.id)))
    if found.first() is None:
        raise Forbidden("Only the event's hosts can do this.")
    return event


async def _bump(session: AsyncSession, event: Event, if_match: VersionMatch | None) -> None:
    """Save the event's new values if it is still at the version read: a concurrent change
    by a co-host gets 412, not a silent overwrite."""
    if if_match is not None and not if_match.accepts(event.version):
        raise PreconditionFailed(
            f"This event has changed (it is at version {event.version}); reload and try again."
        )
    read_version = event.version
    # The old cell may be gone from `event` already: note the stored one.
    stored = (await session.exec(select(Event.cell).where(Event.id == event.id))).one()
    changes.note(session, SyncKind.event, event.id, changes.cell_audience(stored))
    values = {
        name: getattr(event, name)
        for name in (
            "title", "description", "accessibility", "venue_name", "venue_address",
            "venue_cell", "cell", "starts_at", "ends_at", "rrule", "last_ends_at",
            "capacity", "status",
        )
    }  # fmt: skip
    result = await session.exec(
        update(Event)
        .where(col(Event.id) == event.id)
        .where(col(Event.version) == read_version)
        .values(**values, version=read_version + 1, updated_at=utcnow())
    )
    if result.rowcount != 1:
        raise PreconditionFailed("This event changed while you were editing it; reload it.")
    await session.refresh(event)


async def change(
    session: AsyncSession,
    host: Resident,
    event_id: uuid.UUID,
    data: EventUpdate,
    if_match: VersionMatch,
) -> EventPublic:
    event = await hosted(session, host, event_id)
    if event.status == EventStatus.cancelled:
        raise InvalidInput("A cancelled event cannot be changed.")
    sent = data.model_fields_set
    for name in ("title", "description", "accessibility", "capacity"):
        if name in sent:
            setattr(event, name, getattr(data, name))
    if data.venue is not None:
        _place(event, data.venue)
        if event.neighbourhood_id is not None:
            await _venue_in_area(session, event, event.neighbourhood_id)
    if {"starts_at", "ends_at", "rrule"} & sent:
        tz = recurrence.zone(event.timezone)
        _time(
            event,
            data.starts_at or event.starts_at.astimezone(tz),
            data.ends_at or event.ends_at.astimezone(tz),
            data.rrule if "rrule" in sent else event.rrule,
        )
    changes = (await changes_by_event(session, [event.id]))[event.id]
    event.last_ends_at = schedule(event, changes).last_end()
    await _bump(session, event, if_match)
    return await describe(session, event)


async def cancel(session: AsyncSession, host: Resident, event_id: uuid.UUID) -> None:
    """Cancel every occurrence. Safe to repeat."""
    event = await hosted(session, host, event_id)
    if event.status != EventStatus.cancelled:
        event.status = EventStatus.cancelled
        await _bump(session, event, None)
        await webhooks.emit(session, WebhookEventType.event_cancelled, event_id=event.id)
        await _tell_those_going(session, event, None)


async def _tell_those_going(session: AsyncSession, event: Event, occurrence: date | None) -> None:
    """A kind word to everyone going to what was cancelled: one occurrence, or all to come."""
    today = utcnow().astimezone(recurrence.zone(event.timezone)).date()
    query = (
        select(Rsvp.resident_id)
        .where(Rsvp.event_id == event.id, Rsvp.answer == RsvpAnswer.going)
        .where(col(Rsvp.occurrence) == occurrence if occurrence else col(Rsvp.occurrence) >= today)
        .distinct()
    )
    going = list((await session.exec(query)).all())
    when = f" on {occurrence.day} {occurrence:%b}" if occurrence else ""
    await notifications.notify(
        session,
        going,
        NotificationKind.event_cancelled,
        f"cancelled:{event.id}:{occurrence.isoformat() if occurrence else 'all'}",
        f"{event.title}{when} is cancelled. Sorry, and thank you for planning to come.",
        {"event_id": str(event.id), "occurrence": occurrence.isoformat() if occurrence else None},
    )


async def _occurrence_of(
    session: AsyncSession, host: Resident, event_id: uuid.UUID, occurrence: date
) -> tuple[Event, list[OccurrenceChange]]:
    event = await hosted(session, host, event_id)
    changes = (await changes_by_event(session, [event.id]))[event.id]
    if event.rrule is None:
        raise InvalidInput("A one-off event is changed with PATCH /v1/events/{id}.")
    if not schedule(event, changes).is_occurrence(occurrence):
        raise NotFound(f"This event has no occurrence on {occurrence.isoformat()}.")
    return event, changes


async def _save_change(
    session: AsyncSession, event: Event, changes: list[OccurrenceChange], new: OccurrenceChange
) -> None:
    existing = next((c for c in changes if c.occurrence == new.occurrence), None)
    if existing is None:
        session.add(new)
        changes.append(new)
    else:
        existing.cancelled, existing.starts_at, existing.ends_at = (
            new.cancelled,
            new.starts_at,
            new.ends_at,
        )
        existing.updated_at = utcnow()
        session.add(existing)
    await session.flush()
    event.last_ends_at = schedule(event, changes).last_end()
    await _bump(session, event, None)


async def cancel_occurrence(
    session: AsyncSession, host: Resident, event_id: uuid.UUID, occurrence: date
) -> None:
    event, changes = await _occurrence_of(session, host, event_id, occurrence)
    cancelled = OccurrenceChange(event_id=event.id, occurrence=occurrence, cancelled=True)
    await _save_change(session, event, changes, cancelled)
    await _tell_those_going(session, event, occurrence)


async def move_occurrence(
    session: AsyncSession,
    host: Resident,
    event_id: uuid.UUID,
    occurrence: date,
    data: OccurrenceMove,
) -> EventPublic:
    event, changes = await _occurrence_of(session, host, event_id, occurrence)
    tz = recurrence.zone(event.timezone)
    start, end = recurrence.times(data.starts_at, data.ends_at, tz)
    if abs(start - original_start(event, occurrence)) > recurrence.MAX_MOVE:
        raise InvalidInput(
            "An occurrence can move at most 7 days; for more, cancel it and add an event.",
            field=("starts_at",),
        )
    moved = OccurrenceChange(event_id=event.id, occurrence=occurrence, starts_at=start, ends_at=end)
    await _save_change(session, event, changes, moved)
    return await describe(session, event)


async def in_reach(
    session: AsyncSession, viewer: Resident, window: tuple[datetime, datetime], within_m: int
) -> list[OccurrencePublic]:
    """Every occurrence in the window at a venue in reach, not hosted by anyone on either
    side of a block with the viewer."""
    start, end = window
    in_calendar = recurrence.EARLIEST <= start < end <= recurrence.LATEST
    if not in_calendar or end > start + MAX_WINDOW:
        raise InvalidInput(
            "`to` must be after `from`, and at most 92 days later.", field=("query", "to")
        )
    reach = Reach(posts.viewer_cell(viewer), within_m)
    rows = await session.exec(
        select(Event)
        .where(col(Event.cell).in_(reach.cells))
        .where(Event.status == EventStatus.scheduled)
        .where(col(Event.starts_at) <= end + recurrence.MAX_MOVE)
        .where(or_(col(Event.last_ends_at).is_(None), col(Event.last_ends_at) > start))
        .where(~_hidden_by_a_host(viewer.id))
    )
    events = [event for event in rows.all() if reach.distance_m(event.cell) <= within_m]
    changes = await changes_by_event(session, [event.id for event in events])
    return [
        OccurrencePublic(
            event_id=event.id,
            occurrence=slot.occurrence,
            title=event.title,
            kind=event.kind,
            venue_name=event.venue_name,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            moved=slot.moved,
            distance=posts.distance_view(viewer, event.cell),
        )
        for event in events
        for slot in schedule(event, changes[event.id]).slots(start, end)
    ]


async def occurrences(
    session: AsyncSession,
    viewer: Resident,
    *,
    window: tuple[datetime, datetime],
    within_m: int,
    cursor: str | None,
    limit: int,
) -> Page[OccurrencePublic]:
    """Occurrences in the window at venues in reach, soonest first."""
    found = await in_reach(session, viewer, window, within_m)
    page, next_cursor = paginate(
        (
            (FeedKey(0, item.starts_at.timestamp(), f"{item.event_id}/{item.occurrence}"), item)
            for item in found
        ),
        cursor,
        limit,
    )
    return Page[OccurrencePublic](items=page, next_cursor=next_cursor)
