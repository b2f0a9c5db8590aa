"""What ranking needs to know of each possible helper besides where they are and whom they
know: their record of matches (taken on this week against their cap, asked this week, people
helped this year, already asked for this request), and whether they are free to be asked now
(active, out of quiet hours, under their cap)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, bindparam, func
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.matches import Match, MatchOrigin, MatchStatus
from models.requests import HelpRequest
from models.residents import Resident, ResidentStatus
from services import bulk, matching

RECENT = timedelta(days=7)  # a helper's weekly cap counts what they took on in this window
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Record:
    """A helper's matches, as far as ranking them goes."""

    taken_on: int = 0  # accepted in the last 7 days, against their weekly cap
    asked: int = 0  # asked by requesters or connectors in the last 7 days (not volunteered)
    helped: int = 0  # different people helped to completion in the last year
    asked_for_this: bool = False  # already asked (or volunteered) for this request


@cache
def _records_query(dialect: str) -> Any:
    week_ago: BindParameter[datetime] = bindparam("week_ago")
    return (
        select_columns(
            col(Match.helper_id),
            func.count().filter(col(Match.accepted_at) >= week_ago),
            func.count().filter(
                col(Match.created_at) >= week_ago, col(Match.origin) != MatchOrigin.helper
            ),
            func.count(func.distinct(Match.requester_id)).filter(
                col(Match.status) == MatchStatus.completed,
                col(Match.closed_at) >= bindparam("year_ago"),
            ),
            func.count().filter(col(Match.request_id) == bindparam("request")),
        )
        .where(bulk.among_bound(dialect, Match.helper_id, "helpers"))
        .group_by(col(Match.helper_id))
    )


async def records(
    session: AsyncSession, request: HelpRequest, helpers: set[uuid.UUID], now: datetime
) -> dict[uuid.UUID, Record]:
    """Every count ranking needs from the helpers' matches, in one pass over them."""
    if not helpers:
        return {}
    connection = await session.connection()
    rows = await connection.execute(
        _records_query(bulk.dialect(session)),
        {
            "helpers": list(helpers),
            "week_ago": now - RECENT,
            "year_ago": now - YEAR,
            "request": request.id,
        },
    )
    return {
        helper: Record(taken_on, asked, helped, for_this > 0)
        for helper, taken_on, asked, helped, for_this in rows.all()
    }


@cache
def _people_query(dialect: str) -> Any:
    return (
        select_columns(
            col(Resident.id),
            col(Resident.weekly_help_cap),
            col(Resident.quiet_from),
            col(Resident.quiet_until),
            col(Resident.timezone),
        )
        .where(bulk.among_bound(dialect, Resident.id, "helpers"))
        .where(col(Resident.status) == ResidentStatus.active)
    )


async def active_people(session: AsyncSession, helpers: set[uuid.UUID]) -> list[Any]:
    """The active ones among the helpers: id, weekly_help_cap, quiet_from, quiet_until,
    timezone."""
    if not helpers:
        return []
    connection = await session.connection()
    people = await connection.execute(
        _people_query(bulk.dialect(session)), {"helpers": list(helpers)}
    )
    return list(people.all())


def free_to_ask(
    people: Iterable[Any], records: dict[uuid.UUID, Record], now: datetime
) -> dict[uuid.UUID, str]:
    """Of the active people, those out of quiet hours, under their weekly cap, and not yet
    asked for this; each with their time zone."""
    free = {}
    for helper, cap, quiet_from, quiet_until, timezone in people:
        record = records.get(helper, NO_RECORD)
        if (
            not record.asked_for_this
            and record.taken_on < cap
            and not matching.in_quiet_hours(quiet_from, quiet_until, timezone, now)
        ):
            free[helper] = timezone
    return free


NO_RECORD = Record()


async def _counts(
    session: AsyncSession, helpers: set[uuid.UUID], *where: Any
) -> dict[uuid.UUID, int]:
    rows = await session.exec(
        select(Match.helper_id, func.count())
        .where(bulk.among(session, col(Match.helper_id), helpers))
        .where(*where)
        .group_by(col(Match.helper_id))
    )
    return dict(rows.all())


async def spare_places(
    session: AsyncSession, helpers: set[uuid.UUID], now: datetime
) -> dict[uuid.UUID, int]:
    """How many more matches each helper may take on this week (their cap, less those
    taken on in the last 7 days)."""
    if not helpers:
        return {}
    caps = await session.exec(
        select(Resident.id, Resident.weekly_help_cap).where(
            bulk.among(session, col(Resident.id), helpers)
        )
    )
    taken_on = await _counts(session, helpers, col(Match.accepted_at) >= now - RECENT)
    return {helper: max(0, cap - taken_on.get(helper, 0)) for helper, cap in caps.all()}
