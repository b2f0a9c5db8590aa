"""Crisis mode per neighbourhood: switched on by one of its connectors with a reason and an
end time, and off again. While it is on, alerts go out faster and further, urgent requests
go straight to the connector queue, residents who asked to be checked on are, and everyone
living there is told once. Both switches are in the audit log."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from models.alerts import RequestAlerting
from models.audit import AuditAction
from models.base import utcnow
from models.crises import Crisis, CrisisPublic, CrisisStart
from models.notifications import NotificationKind
from models.residents import Resident
from services import audit, bulk, locks, names, neighbourhoods, notifications, welfare
from services import crisis as crisis_batches
from services.crisis_state import is_live
from services.errors import Conflict, InvalidInput, NotFound

LONGEST = timedelta(days=14)


async def _unended(session: AsyncSession, neighbourhood_id: uuid.UUID) -> Crisis | None:
    found = await session.exec(
        select(Crisis).where(
            Crisis.neighbourhood_id == neighbourhood_id, col(Crisis.ended_at).is_(None)
        )
    )
    return found.first()


async def start(
    session: AsyncSession,
    connector: Resident,
    neighbourhood_id: uuid.UUID,
    data: CrisisStart,
    answer_within: timedelta,
) -> CrisisPublic:
    await neighbourhoods.require_connector(session, connector, neighbourhood_id)
    neighbourhood = await neighbourhoods.get(session, neighbourhood_id)
    now = utcnow()
    if not now < data.ends_at <= now + LONGEST:
        raise InvalidInput("ends_at must be in the future, within 14 days.", field=("ends_at",))
    await locks.hold(session, b"crisis", neighbourhood_id.bytes)
    current = await _unended(session, neighbourhood_id)
    if current is not None and is_live(current, now):
        raise Conflict("Crisis mode is already on here; end it first to change it.")
    if current is not None:  # it ran out by itself: it ended when it said it would
        current.ended_at = current.ends_at
        session.add(current)
        await session.flush()
    crisis = Crisis(
        neighbourhood_id=neighbourhood_id,
        reason=data.reason,
        started_by=connector.id,
        started_at=now,
        ends_at=data.ends_at,
    )
    try:
        async with session.begin_nested():  # SQLite has no advisory lock: the index decides
            session.add(crisis)
    except IntegrityError:
        raise Conflict("Crisis mode is already on here; end it first to change it.") from None
    await audit.record(
        session, connector, AuditAction.crisis_started, "neighbourhood", neighbourhood_id,
        neighbourhood_id=neighbourhood_id,
        after={"crisis_id": str(crisis.id), "ends_at": data.ends_at.isoformat()},
        reason=data.reason,
    )  # fmt: skip
    area = await neighbourhoods.area_of(session, neighbourhood_id)
    everyone = await neighbourhoods.residents_in(session, area)
    await notifications.notify(
        session,
        everyone,
        NotificationKind.crisis_started,
        f"crisis:{crisis.id}",
        f"{neighbourhood.name}: crisis mode is on. {data.reason}"[:200],
        {"crisis_id": str(crisis.id), "neighbourhood_id": str(neighbourhood_id)},
    )
    await welfare.ask_all(session, crisis, everyone, now)
    await _hurry_waves(session, neighbourhood_id, now)
    return await view(session, crisis, now, answer_within)


async def _hurry_waves(session: AsyncSession, neighbourhood_id: uuid.UUID, now: datetime) -> None:
    """Requests already waiting there switch to the crisis pace, their next wave now."""
    waiting = [r.id for r in await crisis_batches.open_requests(session, neighbourhood_id, now)]
    if not waiting:
        return
    await session.exec(
        update(RequestAlerting)
        .where(bulk.among(session, col(RequestAlerting.request_id), waiting))
        # Those whose waves ran out too (the longest waiting), not those stood down.
        .where(col(RequestAlerting.stood_down_at).is_(None))
        .values(crisis=True, next_wave_at=now)  # due now (or overdue already: the same)
    )


async def stop(session: AsyncSession, connector: Resident, neighbourhood_id: uuid.UUID) -> None:
    await neighbourhoods.require_connector(session, connector, neighbourhood_id)
    now = utcnow()
    await locks.hold(session, b"crisis", neighbourhood_id.bytes)
    current = await _unended(session, neighbourhood_id)
    if current is None or not is_live(current, now):
        raise NotFound("Crisis mode is not on here.")
    current.ended_at, current.ended_by = now, connector.id
    session.add(current)
    await audit.record(
        session, connector, AuditAction.crisis_ended, "neighbourhood", neighbourhood_id,
        neighbourhood_id=neighbourhood_id, before={"crisis_id": str(current.id)},
    )  # fmt: skip


async def latest(
    session: AsyncSession,
    connector: Resident,
    neighbourhood_id: uuid.UUID,
    answer_within: timedelta,
) -> CrisisPublic:
    """The live crisis, else the last one, with its check-ins' progress."""
    await neighbourhoods.require_connector(session, connector, neighbourhood_id)
    found = await session.exec(
        select(Crisis)
        .where(Crisis.neighbourhood_id == neighbourhood_id)
        .order_by(col(Crisis.started_at).desc(), col(Crisis.id).desc())
    )
    crisis = found.first()
    if crisis is None:
        raise NotFound("This neighbourhood has never been in crisis mode.")
    return await view(session, crisis, utcnow(), answer_within)


async def view(
    session: AsyncSession, crisis: Crisis, now: datetime, answer_within: timedelta
) -> CrisisPublic:
    ended = crisis.ended_at or (crisis.ends_at if crisis.ends_at <= now else None)
    people = {p for p in (crisis.started_by, crisis.ended_by) if p is not None}
    known = await names.names(session, people)
    return CrisisPublic(
        id=crisis.id,
        neighbourhood_id=crisis.neighbourhood_id,
        live=is_live(crisis, now),
        reason=crisis.reason,
        started_by=names.ref(crisis.started_by, known) if crisis.started_by else None,
        started_at=crisis.started_at,
        ends_at=crisis.ends_at,
        ended_at=ended,
        ended_by=names.ref(crisis.ended_by, known) if crisis.ended_by else None,
        check_ins=await welfare.progress(session, crisis.id, now, answer_within),
    )
