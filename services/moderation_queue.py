"""A connector's queue: what is waiting for them across their neighbourhoods, oldest first.
Enough to decide and no more: titles, categories and names, never where anyone lives."""

import uuid
from datetime import UTC, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.crises import Crisis
from models.matches import Match, MatchStatus
from models.moderation import QueueItem, QueueItemKind
from models.neighbourhoods import NeighbourhoodCell, NeighbourhoodConnector
from models.reports import Report, ReportStatus
from models.requests import HelpRequest, RequestStatus, Urgency
from models.residents import Resident
from models.verifications import BADGE_LABELS, Verification
from models.welfare import CheckInBy
from services import crisis_state, geo, welfare
from services.errors import NotFound
from services.neighbourhoods import AREA_RESOLUTION
from services.posts import FeedKey, paginate

UNMATCHED_AFTER = timedelta(hours=24)
URGENT_UNMATCHED_AFTER = timedelta(hours=2)
EXPIRING_WITHIN = timedelta(days=30)


class _Areas:
    """The connector's neighbourhoods, as a lookup from a cell to the one holding it."""

    def __init__(self, rows: list[tuple[uuid.UUID, str]]) -> None:
        self.by_cell = {cell: area for area, cell in rows}
        self.ids = set(self.by_cell.values())

    def cells(self) -> list[str]:
        fine = set(self.by_cell)
        return sorted(fine | {geo.at_resolution(c, AREA_RESOLUTION - 1) for c in fine})

    def of(self, cell: str | None) -> uuid.UUID | None:
        return self.by_cell.get(geo.at_resolution(cell, AREA_RESOLUTION)) if cell else None


async def _areas(session: AsyncSession, connector: Resident) -> _Areas:
    rows = await session.exec(
        select(NeighbourhoodCell.neighbourhood_id, NeighbourhoodCell.cell)
        .join(
            NeighbourhoodConnector,
            col(NeighbourhoodConnector.neighbourhood_id) == NeighbourhoodCell.neighbourhood_id,
        )
        .where(NeighbourhoodConnector.resident_id == connector.id)
    )
    areas = _Areas(list(rows.all()))
    if not areas.ids:
        raise NotFound("Not found.")
    return areas


async def _reviews(session: AsyncSession, areas: _Areas) -> list[QueueItem]:
    rows = await session.exec(
        select(Match, HelpRequest)
        .join(HelpRequest, col(HelpRequest.id) == Match.request_id)
        .where(Match.status == MatchStatus.pending_review)
        .where(col(HelpRequest.cell).in_(areas.cells()))
    )
    return [
        QueueItem(
            kind=QueueItemKind.match_review,
            id=match.id,
            since=match.created_at,
            neighbourhood_id=area,
            summary=f"A match waits for review: {request.title}",
            urgent=request.urgency == Urgency.urgent,
            category=request.category.value,
            subject_id=match.helper_id,
        )
        for match, request in rows.all()
        if (area := areas.of(request.cell)) is not None
    ]


async def _reports(session: AsyncSession, areas: _Areas) -> list[QueueItem]:
    rows = await session.exec(
        select(Report)
        .where(Report.status == ReportStatus.open)
        .where(col(Report.neighbourhood_id).in_(areas.ids))
    )
    return [
        QueueItem(
            kind=QueueItemKind.report,
            id=report.id,
            since=report.created_at,
            neighbourhood_id=report.neighbourhood_id,
            summary=f"A report ({report.reason.value}) about a {report.subject_type.value}",
            urgent=report.urgent,
            subject_id=report.concerns_id,
        )
        for report in rows.all()
        if report.neighbourhood_id is not None
    ]


async def _expiring(session: AsyncSession, areas: _Areas, now: datetime) -> list[QueueItem]:
    today = now.date()
    rows = await session.exec(
        select(Verification, Resident)
        .join(Resident, col(Resident.id) == Verification.resident_id)
        .where(col(Verification.expires_on) >= today)
        .where(col(Verification.expires_on) <= today + EXPIRING_WITHIN)
        .where(col(Resident.home_cell).in_(areas.cells()))
    )
    items = []
    for check, person in rows.all():
        area = areas.of(person.home_cell)
        if area is None or check.expires_on is None:
            continue
        opens = datetime.combine(check.expires_on - EXPIRING_WITHIN, time(), tzinfo=UTC)
        items.append(
            QueueItem(
                kind=QueueItemKind.verification_expiring,
                id=check.id,
                since=opens,
                neighbourhood_id=area,
                summary=f"{person.display_name}'s {BADGE_LABELS[check.kind]} expires on "
                f"{check.expires_on.isoformat()}",
                subject_id=person.id,
            )
        )
    return items


def _waited(urgent: bool, in_crisis: bool) -> timedelta:
    """How long a request waits for a helper before a connector is asked to step in: in a
    crisis, an urgent one does not wait at all."""
    if urgent:
        return timedelta(0) if in_crisis else URGENT_UNMATCHED_AFTER
    return UNMATCHED_AFTER


async def _unmatched(
    session: AsyncSession, areas: _Areas, now: datetime, crises: dict[uuid.UUID, Crisis]
) -> list[QueueItem]:
    soonest = _waited(True, bool(crises))  # the shortest wait anywhere in these areas
    rows = await session.exec(
        select(HelpRequest)
        .where(HelpRequest.status == RequestStatus.open, col(HelpRequest.expires_at) > now)
        .where(col(HelpRequest.created_at) <= now - soonest)
        .where(col(HelpRequest.cell).in_(areas.cells()))
    )
    items = []
    for request in rows.all():
        urgent = request.urgency == Urgency.urgent
        area = areas.of(request.cell)
        if area is None:
            continue
        waited = _waited(urgent, area in crises)
        if request.created_at > now - waited:
            continue
        items.append(
            QueueItem(
                kind=QueueItemKind.request_unmatched,
                id=request.id,
                since=request.created_at + waited,
                neighbourhood_id=area,
                summary=f"No helper yet: {request.title}",
                urgent=urgent,
                category=request.category.value,
                subject_id=request.owner_id,
            )
        )
    return items


def _batches(crises: dict[uuid.UUID, Crisis]) -> list[QueueItem]:
    return [
        QueueItem(
            kind=QueueItemKind.crisis_assignment,
            id=crisis.id,
            since=crisis.started_at,
            neighbourhood_id=area,
            summary="Crisis mode is on: plan a batch assignment of helpers to every open "
            f"request (POST /v1/neighbourhoods/{area}/assignments). {crisis.reason}"[:500],
            urgent=True,
        )
        for area, crisis in crises.items()
    ]


async def _calls(
    session: AsyncSession, areas: _Areas, crises: dict[uuid.UUID, Crisis], now: datetime,
    answer_within: timedelta,
) -> list[QueueItem]:  # fmt: skip
    due = await welfare.to_call(session, [c.id for c in crises.values()], now, answer_within)
    return [
        QueueItem(
            kind=QueueItemKind.welfare_call,
            id=call.check_id,
            since=call.due_since,
            neighbourhood_id=area,
            summary=f"Call {call.display_name}: "
            + ("they asked for a phone call" if call.by == CheckInBy.call else "no answer yet")
            + " to 'are you OK?'",
            urgent=True,
            subject_id=call.resident_id,
        )
        for call in due
        if (area := areas.of(call.home_cell)) is not None
    ]


async def queue(
    session: AsyncSession,
    connector: Resident,
    cursor: str | None,
    limit: int,
    answer_within: timedelta,
) -> Page[QueueItem]:
    """`answer_within`: how long an "are you OK?" waits for an answer before a call."""
    areas = await _areas(session, connector)
    now = utcnow()
    crises = await crisis_state.live_in(session, areas.ids, now)
    items = (
        _batches(crises)
        + await _calls(session, areas, crises, now, answer_within)
        + await _reviews(session, areas)
        + await _reports(session, areas)
        + await _expiring(session, areas, now)
        + await _unmatched(session, areas, now, crises)
    )
    keyed = [(FeedKey(0, item.since.timestamp(), f"{item.kind}/{item.id}"), item) for item in items]
    page, next_cursor = paginate(keyed, cursor, limit)
    return Page[QueueItem](items=page, next_cursor=next_cursor)
