"""Raising, listing and resolving reports. The reporter is known to connectors only; the
person reported is never told who raised it."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditAction
from models.base import Page, utcnow
from models.events import Event
from models.matches import TAKEN_STATUSES, Match
from models.neighbourhoods import NeighbourhoodConnector
from models.notifications import NotificationKind
from models.offers import Offer
from models.reports import (
    Report,
    ReportCreate,
    ReportPublic,
    ReportResolve,
    ReportStatus,
    ReportSubject,
)
from models.requests import HelpRequest
from models.residents import Resident
from models.trust import ResidentRef
from models.webhooks import WebhookEventType
from services import audit, names, neighbourhoods, notifications, webhooks
from services.errors import Conflict, InvalidInput, NotFound
from services.posts import FeedKey, paginate


async def _subject(
    session: AsyncSession, reporter: Resident, data: ReportCreate
) -> tuple[uuid.UUID | None, str | None, bool]:
    """(who it concerns, the cell it is filed by, urgent). A subject the reporter could not
    have seen is not found; a block does not stop a report."""
    kind, subject_id = data.subject_type, data.subject_id
    if kind == ReportSubject.resident:
        person = await session.get(Resident, subject_id)
        if person is None:
            raise NotFound("No such resident.")
        return person.id, person.home_cell, False
    if kind in (ReportSubject.offer, ReportSubject.request):
        model = Offer if kind == ReportSubject.offer else HelpRequest
        post = await session.get(model, subject_id)
        if post is None:
            raise NotFound(f"No such {kind.value}.")
        return post.owner_id, post.cell, False
    if kind == ReportSubject.event:
        event = await session.get(Event, subject_id)
        if event is None:
            raise NotFound("No such event.")
        return event.created_by, event.cell, False
    match = await session.get(Match, subject_id)
    if match is None or reporter.id not in (match.requester_id, match.helper_id):
        raise NotFound("No such match.")
    request = await session.get(HelpRequest, match.request_id)
    other = match.helper_id if reporter.id == match.requester_id else match.requester_id
    return other, request.cell if request else None, match.status in TAKEN_STATUSES


async def raise_report(
    session: AsyncSession, reporter: Resident, data: ReportCreate
) -> ReportPublic:
    concerns, cell, urgent = await _subject(session, reporter, data)
    if concerns == reporter.id:
        raise InvalidInput("You cannot report yourself.", field=("subject_id",))
    report = Report(
        reporter_id=reporter.id,
        subject_type=data.subject_type,
        subject_id=data.subject_id,
        concerns_id=concerns,
        neighbourhood_id=await neighbourhoods.neighbourhood_at(session, cell),
        reason=data.reason,
        details=data.details,
        urgent=urgent,
    )
    session.add(report)
    await session.flush()
    await webhooks.emit(session, WebhookEventType.report_created, report_id=report.id)
    return _for_reporter(report)


def _for_reporter(report: Report) -> ReportPublic:
    return ReportPublic(
        id=report.id,
        subject_type=report.subject_type,
        subject_id=report.subject_id,
        reason=report.reason,
        details=report.details,
        urgent=report.urgent,
        status=report.status,
        created_at=report.created_at,
        resolved_at=report.resolved_at,
    )


async def _for_connector(session: AsyncSession, reports: list[Report]) -> list[ReportPublic]:
    known = await names.names(
        session, {i for r in reports for i in (r.reporter_id, r.concerns_id) if i}
    )

    def ref(resident_id: uuid.UUID | None) -> ResidentRef | None:
        return names.ref(resident_id, known) if resident_id else None

    return [
        _for_reporter(r).model_copy(
            update={
                "reporter": ref(r.reporter_id),
                "concerns": ref(r.concerns_id),
                "action": r.action,
            }
        )
        for r in reports
    ]


async def listing(
    session: AsyncSession,
    viewer: Resident,
    as_connector: bool,
    status: ReportStatus | None,
    cursor: str | None,
    limit: int,
) -> Page[ReportPublic]:
    """Your own reports; or, as a connector, your neighbourhoods' (urgent first, then
    oldest)."""
    query = select(Report)
    if as_connector:
        theirs = select(NeighbourhoodConnector.neighbourhood_id).where(
            NeighbourhoodConnector.resident_id == viewer.id
        )
        query = query.where(col(Report.neighbourhood_id).in_(theirs))
    else:
        query = query.where(Report.reporter_id == viewer.id)
    if status is not None:
        query = query.where(Report.status == status)
    rows = list((await session.exec(query)).all())
    keyed = [(FeedKey(0 if r.urgent else 1, r.created_at.timestamp(), str(r.id)), r) for r in rows]
    page, next_cursor = paginate(keyed, cursor, limit)
    items = (
        await _for_connector(session, page) if as_connector else [_for_reporter(r) for r in page]
    )
    return Page[ReportPublic](items=items, next_cursor=next_cursor)


async def resolve(
    session: AsyncSession, connector: Resident, report_id: uuid.UUID, data: ReportResolve
) -> ReportPublic:
    report = await session.get(Report, report_id)
    if report is None or report.neighbourhood_id is None:
        raise NotFound("No such report.")
    connects = await session.get(NeighbourhoodConnector, (report.neighbourhood_id, connector.id))
    if connects is None:
        raise NotFound("No such report.")
    if report.status == ReportStatus.resolved:
        raise Conflict("This report is already resolved.")
    report.status, report.action = ReportStatus.resolved, data.action
    report.resolved_by, report.resolved_at = connector.id, utcnow()
    session.add(report)
    await audit.record(
        session, connector, AuditAction.report_resolved, "report", report.id,
        neighbourhood_id=report.neighbourhood_id, before={"status": "open"},
        after={"status": "resolved"}, reason=data.action,
    )  # fmt: skip
    if report.reporter_id:
        await notifications.notify(
            session, [report.reporter_id], NotificationKind.report_update,
            f"report:{report.id}:resolved",
            "Thank you for your report: a connector has looked into it.",
            {"report_id": str(report.id)},
        )  # fmt: skip
    return (await _for_connector(session, [report]))[0]
