"""Check-in at an occurrence, and "keep in touch" between attendees, which forms `met` ties.

The host shows a six-digit code that changes every 10 minutes (an HMAC of the occurrence and
the time step, keyed by a per-event secret), valid from an hour before the start to two
hours after the end. Only two attendees who chose each other become a tie.
"""

import hashlib
import hmac
import secrets
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.events import (
    CheckIn,
    CheckInCode,
    CheckInCreate,
    CheckInPublic,
    Event,
    KeepInTouch,
    KeepInTouchCreate,
    KeepInTouchPublic,
)
from models.residents import Resident, ResidentStatus
from models.ties import TieKind
from models.trust import ResidentRef
from services import blocks, events, pairs, recurrence, rsvps, ties
from services.errors import Forbidden, InvalidInput, NotFound
from services.posts import FeedKey, paginate

STEP = timedelta(minutes=10)
OPENS_BEFORE = timedelta(hours=1)
CLOSES_AFTER = timedelta(hours=2)
KEEP_IN_TOUCH_FOR = timedelta(days=14)


def _code(secret: str, occurrence: date, step: int) -> str:
    message = f"{occurrence.isoformat()}:{step}".encode()
    digest = hmac.new(bytes.fromhex(secret), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:4], 'big') % 1_000_000:06d}"


def _step(at: datetime) -> int:
    return int(at.timestamp() // STEP.total_seconds())


def _open(slot: recurrence.Slot, at: datetime) -> None:
    if not slot.starts_at - OPENS_BEFORE <= at <= slot.ends_at + CLOSES_AFTER:
        raise InvalidInput(
            "Check-in is open from an hour before the start to two hours after the end.",
            field=("occurrence",),
        )


async def code_for(
    session: AsyncSession, host: Resident, event_id: uuid.UUID, occurrence: date
) -> CheckInCode:
    event = await events.hosted(session, host, event_id)
    slot = await rsvps.slot_of(session, event, occurrence)
    now = utcnow()
    _open(slot, now)
    if event.check_in_secret is None:
        event.check_in_secret = secrets.token_hex(32)
        session.add(event)
        await session.flush()
    step = _step(now)
    return CheckInCode(
        occurrence=occurrence,
        code=_code(event.check_in_secret, occurrence, step),
        valid_until=datetime.fromtimestamp((step + 2) * STEP.total_seconds(), tz=now.tzinfo),
    )


def _accepts(event: Event, occurrence: date, code: str, at: datetime) -> bool:
    """The current code, or the one just before it (so a code read out near a change still
    works)."""
    if event.check_in_secret is None:
        return False
    step = _step(at)
    return any(
        hmac.compare_digest(code, _code(event.check_in_secret, occurrence, s))
        for s in (step, step - 1)
    )


async def check_in(
    session: AsyncSession, resident: Resident, event_id: uuid.UUID, data: CheckInCreate
) -> CheckInPublic:
    """With the host's code, yourself; as a host, anyone present. Safe to repeat."""
    event = await events.visible(session, resident, event_id)
    slot = await rsvps.slot_of(session, event, data.occurrence)
    now = utcnow()
    _open(slot, now)
    if data.resident_id is not None and data.resident_id != resident.id:
        await events.hosted(session, resident, event_id)
        who = await session.get(Resident, data.resident_id)
        if (
            who is None
            or who.status != ResidentStatus.active
            or await blocks.blocked_either_way(session, resident.id, who.id)
        ):
            raise NotFound("No such resident.")
        marked_by: uuid.UUID | None = resident.id
    else:
        if data.code is None or not _accepts(event, data.occurrence, data.code, now):
            raise InvalidInput(
                "That check-in code is not right, or has expired: ask the host for the one "
                "showing now.",
                field=("code",),
            )
        who, marked_by = resident, None
    existing = await session.get(CheckIn, (event.id, data.occurrence, who.id))
    if existing is None:
        existing = CheckIn(
            event_id=event.id, occurrence=data.occurrence, resident_id=who.id, marked_by=marked_by
        )
        try:
            async with session.begin_nested():
                session.add(existing)
        except IntegrityError:  # checked in twice at once
            existing = await session.get(CheckIn, (event.id, data.occurrence, who.id))
            assert existing is not None
    return CheckInPublic(
        occurrence=data.occurrence,
        resident=ResidentRef(id=who.id, display_name=who.display_name),
        checked_in_at=existing.checked_in_at,
    )


async def _attended(
    session: AsyncSession, event: Event, occurrence: date, resident_id: uuid.UUID
) -> bool:
    return await session.get(CheckIn, (event.id, occurrence, resident_id)) is not None


async def present(
    session: AsyncSession,
    viewer: Resident,
    event_id: uuid.UUID,
    occurrence: date,
    cursor: str | None,
    limit: int,
) -> Page[CheckInPublic]:
    """Who else checked in, for attendees (to choose whom to keep in touch with) and hosts.
    Nobody blocked either way with the viewer is listed."""
    event = await events.visible(session, viewer, event_id)
    if not await _attended(session, event, occurrence, viewer.id):
        await events.hosted(session, viewer, event_id)  # hosts may look without checking in
    rows = await session.exec(
        select(CheckIn, Resident)
        .join(Resident, col(Resident.id) == CheckIn.resident_id)
        .where(CheckIn.event_id == event.id, CheckIn.occurrence == occurrence)
        .where(CheckIn.resident_id != viewer.id)
        .where(Resident.status == ResidentStatus.active)
        .where(blocks.not_hidden_from(viewer.id, CheckIn.resident_id))
    )
    page, next_cursor = paginate(
        (
            (
                FeedKey(0, 0.0, f"{person.display_name.casefold()}/{person.id}"),
                CheckInPublic(
                    occurrence=occurrence,
                    resident=ResidentRef(id=person.id, display_name=person.display_name),
                    checked_in_at=check.checked_in_at,
                ),
            )
            for check, person in rows.all()
        ),
        cursor,
        limit,
    )
    return Page[CheckInPublic](items=page, next_cursor=next_cursor)


async def keep_in_touch(
    session: AsyncSession, chooser: Resident, event_id: uuid.UUID, data: KeepInTouchCreate
) -> KeepInTouchPublic:
    """Choose attendees to keep in touch with. Where the choice is returned, a `met` tie
    forms (or strengthens) with this occurrence as its evidence. Safe to repeat."""
    event = await events.visible(session, chooser, event_id)
    slot = await rsvps.slot_of(session, event, data.occurrence)
    if not await _attended(session, event, data.occurrence, chooser.id):
        raise Forbidden("Check in at this occurrence first.")
    if utcnow() > slot.ends_at + KEEP_IN_TOUCH_FOR:
        raise InvalidInput("Choices close two weeks after the event.", field=("occurrence",))
    wanted = set(data.resident_ids) - {chooser.id}
    present_ids = set(
        (
            await session.exec(
                select(CheckIn.resident_id)
                .where(CheckIn.event_id == event.id, CheckIn.occurrence == data.occurrence)
                .where(col(CheckIn.resident_id).in_(wanted))
                .where(blocks.not_hidden_from(chooser.id, CheckIn.resident_id))
            )
        ).all()
    )
    if wanted - present_ids:
        raise InvalidInput(
            "You can only choose people who checked in at this occurrence.",
            field=("resident_ids",),
        )
    context = f"{event.title} on {slot.starts_at.day} {slot.starts_at:%b %Y}"
    for chosen in sorted(wanted):
        # Two people choosing each other at once must each see the other's choice.
        await pairs.lock_pair(session, chooser.id, chosen)
        if await session.get(KeepInTouch, (event.id, data.occurrence, chooser.id, chosen)):
            continue  # already chosen: the tie (if any) was made then
        session.add(
            KeepInTouch(
                event_id=event.id,
                occurrence=data.occurrence,
                chooser_id=chooser.id,
                chosen_id=chosen,
            )
        )
        await session.flush()
        returned = await session.get(KeepInTouch, (event.id, data.occurrence, chosen, chooser.id))
        if returned is not None:
            await ties.record_tie(
                session, chooser.id, chosen, TieKind.met, at=slot.starts_at, context=context
            )
    mine = await session.exec(
        select(KeepInTouch.chosen_id)
        .where(KeepInTouch.event_id == event.id, KeepInTouch.occurrence == data.occurrence)
        .where(KeepInTouch.chooser_id == chooser.id)
    )
    return KeepInTouchPublic(occurrence=data.occurrence, chosen=sorted(mine.all()))
