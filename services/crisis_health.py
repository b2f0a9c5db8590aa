"""The crisis figures of a neighbourhood's health page: check-ins answered and how fast,
requests met along existing ties or through strangers, and time to a helper's first yes.
Aggregates only, small numbers hidden, as for the rest of the page."""

import statistics
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.alerts import RequestAlerting
from models.crises import Crisis
from models.health import SMALLEST_SHOWN, CrisisHealth, share, shown
from models.matches import Match, MatchStatus, ReasonKind
from models.welfare import WelfareCheck
from services import bulk

MET = (MatchStatus.confirmed, MatchStatus.completed)


def _median_minutes(waits: Iterable[timedelta]) -> float | None:
    minutes = [wait.total_seconds() / 60 for wait in waits]
    return round(statistics.median(minutes), 1) if len(minutes) >= SMALLEST_SHOWN else None


async def figures(
    session: AsyncSession,
    neighbourhood_id: uuid.UUID,
    opened: dict[uuid.UUID, datetime],
    since: datetime,
) -> CrisisHealth:
    """`opened`: the area's requests opened since `since`, with when."""
    crises = list(
        (
            await session.exec(
                select(Crisis.id).where(
                    Crisis.neighbourhood_id == neighbourhood_id, col(Crisis.started_at) >= since
                )
            )
        ).all()
    )
    checks = (
        await session.exec(
            select(WelfareCheck.asked_at, WelfareCheck.answered_at).where(
                bulk.among(session, col(WelfareCheck.crisis_id), crises)
            )
        )
    ).all() if crises else []  # fmt: skip
    answered = [done - asked for asked, done in checks if done is not None]
    along_ties, strangers = await _met(session, opened)
    firsts = (
        await session.exec(
            select(RequestAlerting.request_id, RequestAlerting.crisis, RequestAlerting.first_yes_at)
            .where(bulk.among(session, col(RequestAlerting.request_id), set(opened)))
            .where(col(RequestAlerting.first_yes_at).is_not(None))
        )
    ).all() if opened else []  # fmt: skip
    return CrisisHealth(
        crises=len(crises),
        check_ins_asked=shown(len(checks)),
        check_ins_answered=shown(len(answered)),
        share_check_ins_answered=share(len(answered), len(checks)),
        median_minutes_to_answer=_median_minutes(answered),
        met_along_ties=shown(along_ties),
        met_through_strangers=shown(strangers),
        share_met_along_ties=share(along_ties, along_ties + strangers),
        median_minutes_to_first_yes=_median_minutes(
            yes - opened[rid] for rid, crisis, yes in firsts if yes and not crisis
        ),
        median_minutes_to_first_yes_in_crisis=_median_minutes(
            yes - opened[rid] for rid, crisis, yes in firsts if yes and crisis
        ),
    )


async def _met(session: AsyncSession, opened: dict[uuid.UUID, datetime]) -> tuple[int, int]:
    """Requests met (a confirmed helper) along a tie the requester already had, and not."""
    if not opened:
        return 0, 0
    rows = await session.exec(
        select(Match.request_id, Match.reasons)
        .where(bulk.among(session, col(Match.request_id), set(opened)))
        .where(col(Match.status).in_(MET))
    )
    known: dict[uuid.UUID, bool] = {}
    for request_id, reasons in rows.all():
        tie = any(reason.get("kind") == ReasonKind.tie for reason in reasons)
        known[request_id] = known.get(request_id, False) or tie
    along = sum(known.values())
    return along, len(known) - along
