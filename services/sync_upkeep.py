"""The change log's upkeep, run by the worker: log what expired (time passing writes no row
of its own), and prune what no client needs any more."""

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.events import Event
from models.sync import SyncChange, SyncClock, SyncKind
from services import changes
from services.sync import LIVE

# A phone away longer than this starts again from scratch; its token gets 410.
RETENTION = timedelta(days=30)
FIRST_SWEEP_LOOKBACK = timedelta(days=1)


async def sweep_expiries(session: AsyncSession, now: datetime) -> int:
    """Note every post and event that ran out since the last sweep; returns how many."""
    # Locked first: sweeps in several workers take turns rather than doubling up.
    clock = await session.get(SyncClock, 1, with_for_update=True)
    if clock is None:
        return 0
    since = clock.swept_at or now - FIRST_SWEEP_LOOKBACK
    noted = 0
    for kind, model in changes.POST_MODELS.items():
        ran_out = select(model.id).where(
            col(model.expires_at) > since, col(model.expires_at) <= now
        )
        for post_id in (await session.exec(ran_out)).all():
            changes.note(session, kind, post_id)
            noted += 1
    over = select(Event.id).where(col(Event.last_ends_at) > since, col(Event.last_ends_at) <= now)
    for event_id in (await session.exec(over)).all():
        changes.note(session, SyncKind.event, event_id)
        noted += 1
    clock.swept_at = now
    session.add(clock)
    return noted


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget, after RETENTION, what nobody in a cell can see any more (closed, expired or
    removed posts; events that are over), and raise the horizon past it so that a token
    from before then, which may have missed the removal, gets 410."""
    cutoff = now - RETENTION
    stale = [
        and_(
            col(SyncChange.kind) == kind,
            col(SyncChange.entity_id).not_in(
                select(model.id).where(LIVE[kind], col(model.expires_at) > now)
            ),
        )
        for kind, model in changes.POST_MODELS.items()
    ]
    stale.append(
        and_(
            col(SyncChange.kind) == SyncKind.event,
            col(SyncChange.entity_id).not_in(
                select(Event.id).where(
                    or_(col(Event.last_ends_at).is_(None), col(Event.last_ends_at) > now)
                )
            ),
        )
    )
    prunable = and_(
        col(SyncChange.changed_at) < cutoff,
        col(SyncChange.audience).startswith("c:"),
        or_(*stale),
    )
    clock = await session.get(SyncClock, 1, with_for_update=True)
    if clock is None:
        return 0
    highest = (await session.exec(select(func.max(SyncChange.seq)).where(prunable))).one()
    if highest is None:
        return 0
    removed = await session.exec(delete(SyncChange).where(prunable))
    clock.horizon = max(clock.horizon, highest)
    session.add(clock)
    return int(removed.rowcount)
