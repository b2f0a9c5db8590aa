"""RSVPs per occurrence: going, maybe or not going, with a waitlist that moves up by itself."""

import uuid
from datetime import date, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from models.base import utcnow
from models.events import (
    Attendees,
    Event,
    EventStatus,
    Headcount,
    Rsvp,
    RsvpAnswer,
    RsvpCreate,
    RsvpPublic,
)
from models.notifications import NotificationKind
from models.residents import Resident
from models.trust import ResidentRef
from services import blocks, events, locks, notifications, posts, recurrence
from services.errors import InvalidInput, NotFound


async def slot_of(session: AsyncSession, event: Event, occurrence: date) -> recurrence.Slot:
    """The occurrence as it now stands (moves applied); NotFound if it does not exist or was
    cancelled."""
    if not recurrence.within_calendar(occurrence):
        raise NotFound(f"This event has no occurrence on {occurrence.isoformat()}.")
    changes = await events.changes_of(session, event.id)
    around = events.local_midnight(event, occurrence)
    slots = events.schedule(event, changes).slots(
        around - recurrence.MAX_MOVE, around + recurrence.MAX_MOVE + timedelta(days=1)
    )
    found = next((slot for slot in slots if slot.occurrence == occurrence), None)
    if found is None or event.status == EventStatus.cancelled:
        raise NotFound(f"This event has no occurrence on {occurrence.isoformat()}.")
    return found


async def _lock(session: AsyncSession, event_id: uuid.UUID, occurrence: date) -> None:
    # Two people taking the last place at once: one gets it, the other waits in line.
    await locks.hold(session, b"occurrence", event_id.bytes, occurrence.isoformat().encode())


async def _places_taken(session: AsyncSession, event_id: uuid.UUID, occurrence: date) -> int:
    taken = await session.exec(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.event_id == event_id, Rsvp.occurrence == occurrence)
        .where(Rsvp.answer == RsvpAnswer.going, col(Rsvp.waitlisted).is_(False))
    )
    return taken.one()


async def headcount(session: AsyncSession, event: Event, occurrence: date) -> Headcount:
    rows = await session.exec(
        select(Rsvp.answer, Rsvp.waitlisted, func.count())
        .where(Rsvp.event_id == event.id, Rsvp.occurrence == occurrence)
        .group_by(col(Rsvp.answer), col(Rsvp.waitlisted))
    )
    counts = {(answer, waitlisted): n for answer, waitlisted, n in rows.all()}
    return Headcount(
        going=counts.get((RsvpAnswer.going, False), 0),
        maybe=counts.get((RsvpAnswer.maybe, False), 0),
        waitlisted=counts.get((RsvpAnswer.going, True), 0),
        capacity=event.capacity,
    )


def _line(event_id: uuid.UUID, occurrence: date) -> SelectOfScalar[Rsvp]:
    return (
        select(Rsvp)
        .where(Rsvp.event_id == event_id, Rsvp.occurrence == occurrence)
        .where(Rsvp.answer == RsvpAnswer.going, col(Rsvp.waitlisted).is_(True))
        .order_by(col(Rsvp.answered_at), col(Rsvp.resident_id))
    )


async def fill_places(session: AsyncSession, event: Event, occurrence: date) -> list[uuid.UUID]:
    """Move the waitlist up into any free places; returns who moved up."""
    moved: list[uuid.UUID] = []
    line = list((await session.exec(_line(event.id, occurrence))).all())
    free = (
        len(line)
        if event.capacity is None
        else event.capacity - await _places_taken(session, event.id, occurrence)
    )
    for waiting in line[: max(free, 0)]:
        waiting.waitlisted = False
        session.add(waiting)
        moved.append(waiting.resident_id)
        await notifications.notify(
            session,
            [waiting.resident_id],
            NotificationKind.waitlist_place,
            f"place:{event.id}:{occurrence.isoformat()}:{waiting.answered_at.isoformat()}",
            f"A place came free: you are going to {event.title} on {occurrence.day} "
            f"{occurrence:%b}.",
            {"event_id": str(event.id), "occurrence": occurrence.isoformat()},
        )
    await session.flush()
    return moved


async def fill_every_occurrence(session: AsyncSession, event: Event) -> None:
    """After capacity grows: every occurrence with a waitlist moves up."""
    waiting = await session.exec(
        select(col(Rsvp.occurrence))
        .where(Rsvp.event_id == event.id, col(Rsvp.waitlisted).is_(True))
        .distinct()
    )
    for occurrence in waiting.all():
        await _lock(session, event.id, occurrence)
        await fill_places(session, event, occurrence)


async def withdraw_all(session: AsyncSession, resident_id: uuid.UUID) -> None:
    """Remove every answer of a resident whose account is being erased. Places they held
    in occurrences still to come go to the next in line."""
    answers = (await session.exec(select(Rsvp).where(Rsvp.resident_id == resident_id))).all()
    held = sorted(
        (r.event_id, r.occurrence)
        for r in answers
        if r.answer == RsvpAnswer.going and not r.waitlisted
    )
    for event_id, occurrence in held:
        await _lock(session, event_id, occurrence)
    for answer in answers:
        await session.delete(answer)
    await session.flush()
    for event_id, occurrence in held:
        event = await session.get(Event, event_id)
        try:
            slot = await slot_of(session, event, occurrence) if event else None
        except NotFound:  # cancelled since, or never was
            continue
        if event is not None and slot is not None and slot.ends_at > utcnow():
            await fill_places(session, event, occurrence)


async def _view(session: AsyncSession, event: Event, rsvp: Rsvp) -> RsvpPublic:
    position = None
    if rsvp.waitlisted:
        ahead = [
            r.resident_id for r in (await session.exec(_line(event.id, rsvp.occurrence))).all()
        ]
        position = ahead.index(rsvp.resident_id) + 1
    return RsvpPublic(
        occurrence=rsvp.occurrence,
        answer=rsvp.answer,
        waitlisted=rsvp.waitlisted,
        waitlist_position=position,
        headcount=await headcount(session, event, rsvp.occurrence),
    )


async def respond(
    session: AsyncSession, resident: Resident, event_id: uuid.UUID, data: RsvpCreate
) -> RsvpPublic:
    """Answer for one occurrence. Saying "going" again keeps your place (or your place in
    line); changing from going frees your place for the next in line."""
    event = await events.visible(session, resident, event_id)
    slot = await slot_of(session, event, data.occurrence)
    if slot.ends_at <= utcnow():
        raise InvalidInput("This occurrence is over.", field=("occurrence",))
    await _lock(session, event.id, data.occurrence)
    rsvp = await session.get(Rsvp, (event.id, data.occurrence, resident.id))
    held_a_place = rsvp is not None and rsvp.answer == RsvpAnswer.going and not rsvp.waitlisted
    if rsvp is not None and rsvp.answer == data.answer:
        return await _view(session, event, rsvp)
    if rsvp is None:
        rsvp = Rsvp(
            event_id=event.id,
            occurrence=data.occurrence,
            resident_id=resident.id,
            answer=data.answer,
        )
    rsvp.answer, rsvp.answered_at, rsvp.waitlisted = data.answer, utcnow(), False
    if data.answer == RsvpAnswer.going and event.capacity is not None:
        rsvp.waitlisted = await _places_taken(session, event.id, data.occurrence) >= event.capacity
    session.add(rsvp)
    await session.flush()
    if held_a_place and data.answer != RsvpAnswer.going:
        await fill_places(session, event, data.occurrence)
    return await _view(session, event, rsvp)


async def attendees(
    session: AsyncSession,
    host: Resident,
    event_id: uuid.UUID,
    occurrence: date,
    waitlisted: bool,
    cursor: str | None,
    limit: int,
) -> Attendees:
    """One page of those going (or waiting), in the order they answered: for the waitlist,
    the order they will move up."""
    event = await events.hosted(session, host, event_id)
    await slot_of(session, event, occurrence)
    query = (
        select(Rsvp, Resident)
        .join(Resident, col(Resident.id) == Rsvp.resident_id)
        .where(Rsvp.event_id == event.id, Rsvp.occurrence == occurrence)
        .where(Rsvp.answer == RsvpAnswer.going, Rsvp.waitlisted == waitlisted)
        .where(blocks.not_hidden_from(host.id, Rsvp.resident_id))
    )
    if cursor is not None:
        answered_at, resident_id = posts.decode_time_cursor(cursor)
        query = query.where(
            or_(
                col(Rsvp.answered_at) > answered_at,
                and_(col(Rsvp.answered_at) == answered_at, col(Rsvp.resident_id) > resident_id),
            )
        )
    rows = (
        await session.exec(
            query.order_by(col(Rsvp.answered_at), col(Rsvp.resident_id)).limit(limit + 1)
        )
    ).all()
    page = rows[:limit]
    last = page[-1][0] if len(rows) > limit else None
    return Attendees(
        occurrence=occurrence,
        headcount=await headcount(session, event, occurrence),
        items=[ResidentRef(id=person.id, display_name=person.display_name) for _, person in page],
        next_cursor=None
        if last is None
        else posts.encode_time_cursor(last.answered_at, last.resident_id),
    )
