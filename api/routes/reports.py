"""Reports: raising a concern, following it, and (for connectors) resolving it."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import CurrentResident, IdempotencyKey, SessionDep
from api.errors import problems
from models.base import Page
from models.reports import ReportCreate, ReportPublic, ReportResolve, ReportStatus
from services import idempotency, reports

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 422))
async def raise_report(
    data: ReportCreate,
    resident: CurrentResident,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> ReportPublic:
    """Report a resident, offer, request, event or a match you are part of. Only connectors
    see who raised it; the person reported is never told. A report about a match in
    progress is urgent. Send an Idempotency-Key so that a retry files it once."""
    made, _ = await idempotency.once(
        session, resident.id, idempotency_key, "reports-raise", data,
        lambda: reports.raise_report(session, resident, data), ReportPublic,
    )  # fmt: skip
    return made


@router.get("", responses=problems(401, 422))
async def list_reports(
    resident: CurrentResident,
    session: SessionDep,
    as_connector: Annotated[
        bool, Query(description="Your neighbourhoods' reports, instead of your own.")
    ] = False,
    status_: Annotated[ReportStatus | None, Query(alias="status")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ReportPublic]:
    """Your reports and where they stand; as a connector, your neighbourhoods' (urgent
    first, then oldest)."""
    return await reports.listing(session, resident, as_connector, status_, cursor, limit)


@router.post("/{report_id}/resolve", responses=problems(401, 404, 409, 422))
async def resolve_report(
    report_id: uuid.UUID, data: ReportResolve, resident: CurrentResident, session: SessionDep
) -> ReportPublic:
    """For connectors of the report's neighbourhood: record what was done. Audited; the
    reporter is thanked."""
    return await reports.resolve(session, resident, report_id, data)
