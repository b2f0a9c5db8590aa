"""A neighbourhood's health for its connectors: how connected people are, how events and
requests are going. Aggregates only (small numbers hidden), and by name only those who
said a connector may reach out to them."""

import statistics
import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select as select_columns
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.categories import Category
from models.events import CheckIn, Event
from models.health import (
    NeighbourhoodHealth,
    OutreachEntry,
    RequestHealth,
    UnmetByCategory,
    share,
    shown,
)
from models.matches import Match
from models.neighbourhoods import NeighbourhoodConnector
from models.requests import HelpRequest, RequestStatus
from models.residents import Resident, ResidentStatus
from models.ties import Tie, TieKind
from services import bulk, crisis_health, neighbourhoods
from services.errors import NotFound
from services.posts import FeedKey, paginate

WINDOW = timedelta(days=90)
UNMET_AFTER = timedelta(hours=24)


async def _area(
    session: AsyncSession, viewer: Resident, neighbourhood_id: uuid.UUID, admins: bool = True
) -> set[str]:
    """The neighbourhood's cells, for its connectors (and, with `admins`, for admins)."""
    connects = await session.get(NeighbourhoodConnector, (neighbourhood_id, viewer.id))
    if connects is None and not (admins and viewer.is_admin):
        raise NotFound("No such neighbourhood.")
    cells = await neighbourhoods.area_of(session, neighbourhood_id)
    if not cells:
        raise NotFound("No such neighbourhood.")
    return cells


async def _people(session: AsyncSession, area: set[str]) -> dict[uuid.UUID, tuple[str, bool]]:
    rows = await session.exec(
        select(Resident.id, Resident.display_name, Resident.home_cell, Resident.open_to_outreach)
        .where(Resident.status == ResidentStatus.active)
        .where(col(Resident.home_cell).in_(neighbourhoods.searched(area)))
    )
    return {
        rid: (name, open_)
        for rid, name, cell, open_ in rows.all()
        if neighbourhoods.inside(area, cell)
    }


async def _tie_counts(session: AsyncSession, people: set[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not people:
        return {}
    rows = await session.exec(
        select(Tie.resident_id, func.count(func.distinct(Tie.other_id)))
        .where(bulk.among(session, col(Tie.resident_id), people))
        .group_by(col(Tie.resident_id))
    )
    return dict(rows.all())


async def _attended(session: AsyncSession, people: set[uuid.UUID]) -> set[uuid.UUID]:
    if not people:
        return set()
    rows = await session.exec(
        select(CheckIn.resident_id)
        .where(bulk.among(session, col(CheckIn.resident_id), people))
        .distinct()
    )
    return set(rows.all())


def _isolated(
    people: set[uuid.UUID], ties: dict[uuid.UUID, int], attended: set[uuid.UUID]
) -> set[uuid.UUID]:
    return {p for p in people if not ties.get(p) and p not in attended}


async def health(
    session: AsyncSession, viewer: Resident, neighbourhood_id: uuid.UUID
) -> NeighbourhoodHealth:
    area = await _area(session, viewer, neighbourhood_id)
    now = utcnow()
    people_rows = await _people(session, area)
    people = set(people_rows)
    ties = await _tie_counts(session, people)
    attended = await _attended(session, people)
    with_one = sum(1 for p in people if ties.get(p, 0) >= 1)
    with_three = sum(1 for p in people if ties.get(p, 0) >= 3)
    held, attendance = await _events(session, area, now)
    opened = await _opened(session, area, now)
    requests = await _requests(session, opened, now)
    return NeighbourhoodHealth(
        neighbourhood_id=neighbourhood_id,
        residents=shown(len(people)),
        with_a_tie=shown(with_one),
        with_three_ties=shown(with_three),
        share_with_a_tie=share(with_one, len(people)),
        share_with_three_ties=share(with_three, len(people)),
        isolated=shown(len(_isolated(people, ties, attended))),
        event_occurrences_held=shown(held),
        event_attendance=shown(attendance),
        ties_formed_at_events=shown(await _met_lately(session, people, now)),
        requests=requests,
        crisis=await crisis_health.figures(
            session, neighbourhood_id, {rid: at for rid, (_, _, at) in opened.items()},
            now - WINDOW,
        ),
    )  # fmt: skip


async def _events(session: AsyncSession, area: set[str], now: datetime) -> tuple[int, int]:
    connection = await session.connection()
    rows = await connection.execute(
        select_columns(col(CheckIn.event_id), col(CheckIn.occurrence), func.count())
        .join(Event, col(Event.id) == CheckIn.event_id)
        .where(col(Event.cell).in_(sorted(area)))
        .where(col(CheckIn.checked_in_at) >= now - WINDOW)
        .group_by(col(CheckIn.event_id), col(CheckIn.occurrence))
    )
    counts = [n for _, _, n in rows.all()]
    return len(counts), sum(counts)


async def _met_lately(session: AsyncSession, people: set[uuid.UUID], now: datetime) -> int:
    if not people:
        return 0
    rows = await session.exec(
        select(Tie.resident_id, Tie.other_id)
        .where(bulk.among(session, col(Tie.resident_id), people))
        .where(Tie.kind == TieKind.met, col(Tie.since) >= now - WINDOW)
    )
    return len({frozenset(pair) for pair in rows.all()})


async def _opened(
    session: AsyncSession, area: set[str], now: datetime
) -> dict[uuid.UUID, tuple[Category, RequestStatus, datetime]]:
    """The area's requests opened in the window: category, status, when."""
    connection = await session.connection()
    rows = await connection.execute(
        select_columns(
            col(HelpRequest.id),
            col(HelpRequest.cell),
            col(HelpRequest.category),
            col(HelpRequest.status),
            col(HelpRequest.created_at),
        )
        .where(col(HelpRequest.created_at) >= now - WINDOW)
        .where(col(HelpRequest.cell).in_(neighbourhoods.searched(area)))
    )
    return {rid: (cat, status, at) for rid, cell, cat, status, at in rows.all()
            if neighbourhoods.inside(area, cell)}  # fmt: skip


async def _requests(
    session: AsyncSession,
    opened: dict[uuid.UUID, tuple[Category, RequestStatus, datetime]],
    now: datetime,
) -> RequestHealth:
    first_confirmed: dict[uuid.UUID, datetime] = {}
    if opened:
        confirmed = await session.exec(
            select(Match.request_id, func.min(Match.confirmed_at))
            .where(bulk.among(session, col(Match.request_id), set(opened)))
            .where(col(Match.confirmed_at).is_not(None))
            .group_by(col(Match.request_id))
        )
        first_confirmed = {rid: at for rid, at in confirmed.all() if at is not None}
    waits = [
        (first_confirmed[rid] - opened[rid][2]).total_seconds() / 3600 for rid in first_confirmed
    ]
    unmet = Counter(
        cat
        for rid, (cat, status, at) in opened.items()
        if rid not in first_confirmed
        and status != RequestStatus.cancelled
        and at <= now - UNMET_AFTER
    )
    return RequestHealth(
        opened=shown(len(opened)),
        matched=shown(len(first_confirmed)),
        fulfilled=shown(
            sum(1 for _, status, _ in opened.values() if status == RequestStatus.fulfilled)
        ),
        median_hours_to_match=round(statistics.median(waits), 1) if len(waits) >= 5 else None,
        unmet_by_category=[
            UnmetByCategory(category=cat, requests=shown(n)) for cat, n in sorted(unmet.items())
        ],
    )


async def outreach(
    session: AsyncSession,
    viewer: Resident,
    neighbourhood_id: uuid.UUID,
    cursor: str | None,
    limit: int,
) -> Page[OutreachEntry]:
    """Only residents who said a connector may reach out to them, by name. Not for admins
    as such: the yes was to the neighbourhood's connectors, and the list says who is isolated."""
    area = await _area(session, viewer, neighbourhood_id, admins=False)
    people_rows = await _people(session, area)
    willing = {p for p, (_, open_) in people_rows.items() if open_}
    ties = await _tie_counts(session, willing)
    attended = await _attended(session, willing)
    lonely = _isolated(willing, ties, attended)
    keyed = [
        (
            FeedKey(0, 0.0, f"{people_rows[p][0].casefold()}/{p}"),
            OutreachEntry(id=p, display_name=people_rows[p][0], isolated=p in lonely),
        )
        for p in willing
    ]
    page, next_cursor = paginate(keyed, cursor, limit)
    return Page[OutreachEntry](items=page, next_cursor=next_cursor)
