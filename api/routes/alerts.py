"""Alerts about new requests nearby, for helpers: list them, or say no. To say yes,
volunteer on the request (`POST /v1/requests/{request_id}/matches`)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.alerts import AlertPublic
from models.base import Page
from services import alerts

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])


@router.get("", responses=problems(401, 422))
async def mine(
    resident: CurrentResident,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[AlertPublic]:
    """Your alerts, newest first. Switch them off with `on_duty: false` on `/v1/me`, or cap
    them with `daily_alert_cap`."""
    return await alerts.mine(session, resident, cursor, limit)


@router.post("/{alert_id}/decline", responses=problems(401, 404, 409, 422))
async def decline(
    alert_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> AlertPublic:
    """Not this time: no reason asked, and it costs you nothing. Safe to repeat."""
    return await alerts.decline(session, resident, alert_id)
