"""Co-hosts: a host invites someone they know; being named as a host needs that person's
yes. Declining is silent: to the hosts the invitation looks open until it lapses."""

import uuid
from datetime import timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.event_hosts import (
    MAX_HOSTS,
    EventHost,
    EventHostPublic,
    EventHosts,
    HostInvite,
    HostStatus,
)
from models.events import Event, EventStatus
from models.notifications import NotificationKind
from models.residents import Resident
from models.ties import MUTUAL_KINDS, Tie
from models.trust import ResidentRef
from services import blocks, events, locks, notifications
from services.errors import Conflict, InvalidInput, NotFound

INVITATION_LAPSES = timedelta(days=30)
# After a no, asking the same person again to host the same event stays quiet this long.
QUIET_AFTER_DECLINE = timedelta(days=90)


def _open(host: EventHost) -> bool:
    """An invitation the invitee can still accept."""
    return (
        host.accepted_at is None
        and host.declined_at is None
        and host.added_at > utcnow() - INVITATION_LAPSES
    )


def _shown_to_hosts(host: EventHost) -> bool:
    """Hosting, or an invitation not yet lapsed: declined ones look open, so a no is
    never seen."""
    return host.accepted_at is not None or host.added_at > utcnow() - INVITATION_LAPSES


def _view(host: EventHost, resident: Resident) -> EventHostPublic:
    return EventHostPublic(
        resident=ResidentRef(id=resident.id, display_name=resident.display_name),
        status=HostStatus.hosting if host.accepted_at else HostStatus.invited,
        since=host.accepted_at or host.added_at,
    )


async def _knows(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> bool:
    found = await session.exec(
        select(Tie.kind).where(
            Tie.resident_id == a, Tie.other_id == b, col(Tie.kind).in_(MUTUAL_KINDS)
        )
    )
    return found.first() is not None


async def _lock(session: AsyncSession, event: Event) -> None:
    """Invitations, yeses and departures of one event's hosts take turns: two hosts leaving
    at once must not leave the event with none."""
    await locks.hold(session, b"event-hosts", event.id.bytes)


async def invite(
    session: AsyncSession, host: Resident, event_id: uuid.UUID, data: HostInvite
) -> EventHostPublic:
    """Idempotent. Only someone the host knows (a connection, or a tie from meeting or
    helping), so an invitation is never a stranger's message."""
    event = await events.hosted(session, host, event_id)
    if event.status == EventStatus.cancelled:
        raise InvalidInput("A cancelled event takes no new hosts.")
    if data.resident_id == host.id:
        raise InvalidInput("You already host this event.", field=("resident_id",))
    invitee = await blocks.reachable(session, host.id, data.resident_id)
    if not await _knows(session, host.id, invitee.id):
        raise InvalidInput(
            "You can invite someone you are connected to, or have met or helped.",
            field=("resident_id",),
        )
    await _lock(session, event)
    existing = await session.get(EventHost, (event.id, invitee.id))
    now = utcnow()
    if existing is not None and (
        _shown_to_hosts(existing)
        or (existing.declined_at and existing.declined_at > now - QUIET_AFTER_DECLINE)
    ):
        if not _shown_to_hosts(existing):  # quiet: looks sent, is never delivered
            existing.added_at = now
        return _view(existing, invitee)
    if await _count(session, event) >= MAX_HOSTS:
        raise Conflict(f"An event has at most {MAX_HOSTS} hosts and open invitations.")
    if existing is None:
        existing = EventHost(event_id=event.id, resident_id=invitee.id)
        session.add(existing)
    existing.added_at, existing.declined_at, existing.invited_by = now, None, host.id
    await session.flush()
    await notifications.notify(
        session,
        [invitee.id],
        NotificationKind.host_invite,
        f"host-invite:{event.id}:{now.isoformat()}",
        f"{host.display_name} asks you to co-host {event.title}.",
        {"event_id": str(event.id), "invited_by": str(host.id)},
    )
    return _view(existing, invitee)


async def _count(session: AsyncSession, event: Event) -> int:
    rows = await session.exec(select(EventHost).where(EventHost.event_id == event.id))
    return sum(1 for row in rows.all() if _shown_to_hosts(row))


async def accept(session: AsyncSession, resident: Resident, event_id: uuid.UUID) -> EventHostPublic:
    """Say yes to an invitation. Safe to repeat."""
    event = await events.visible(session, resident, event_id)
    await _lock(session, event)
    mine = await session.get(EventHost, (event.id, resident.id))
    if mine is None or not (mine.accepted_at is not None or _open(mine)):
        raise NotFound("No invitation to host this event.")
    if event.status == EventStatus.cancelled:
        raise InvalidInput("This event is cancelled.")
    if mine.accepted_at is None:
        mine.accepted_at = utcnow()
    return _view(mine, resident)


async def leave(
    session: AsyncSession, resident: Resident, event_id: uuid.UUID, who: uuid.UUID
) -> None:
    """About yourself: step down, or decline an invitation (silently). About someone else,
    as a host: withdraw their invitation or remove them. Safe to repeat."""
    if who == resident.id:
        event = await events.visible(session, resident, event_id)
    else:
        event = await events.hosted(session, resident, event_id)
    await _lock(session, event)
    row = await session.get(EventHost, (event.id, who))
    if row is None:
        return
    if row.accepted_at is None:
        if who == resident.id:
            row.declined_at = row.declined_at or utcnow()
        elif row.declined_at is None:
            await session.delete(row)
        else:  # withdrawing a declined invitation: it vanishes, and the no is kept
            row.added_at = utcnow() - INVITATION_LAPSES
        return
    if event.neighbourhood_id is None and await _hosting_count(session, event) <= 1:
        raise Conflict("An event needs a host: invite someone first, or cancel the event.")
    await session.delete(row)


async def _hosting_count(session: AsyncSession, event: Event) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(EventHost)
        .where(EventHost.event_id == event.id, col(EventHost.accepted_at).is_not(None))
    )
    return found.one()


async def listing(session: AsyncSession, host: Resident, event_id: uuid.UUID) -> EventHosts:
    """For hosts: who hosts, and who is invited. At most MAX_HOSTS, so one page."""
    event = await events.hosted(session, host, event_id)
    rows = await session.exec(
        select(EventHost, Resident)
        .join(Resident, col(Resident.id) == EventHost.resident_id)
        .where(EventHost.event_id == event.id)
        .where(blocks.not_hidden_from(host.id, EventHost.resident_id))
        .order_by(col(EventHost.added_at), col(Resident.id))
    )
    return EventHosts(
        hosts=[_view(row, person) for row, person in rows.all() if _shown_to_hosts(row)]
    )
