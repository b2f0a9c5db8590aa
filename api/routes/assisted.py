"""Assisted residents: neighbours without the app, and the connector who acts for them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import (
    AlertingDep,
    CurrentResident,
    GeocoderDep,
    IdempotencyKey,
    SessionDep,
    WritingSessionDep,
)
from api.errors import problems
from models.assisted import (
    AssistedResidentCreate,
    AssistedResidentPublic,
    MatchStep,
    StepOnBehalf,
)
from models.base import Page
from models.matches import MatchPublic, MatchStatus
from models.requests import HelpRequestCreate, HelpRequestPublic
from models.welfare import WelfareSignupPublic, WelfareSignupPut
from services import assisted, idempotency, match_views

router = APIRouter(prefix="/v1/assisted-residents", tags=["assisted"])
Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 422, 503))
async def register(
    data: AssistedResidentCreate,
    resident: CurrentResident,
    session: SessionDep,
    geocoder: GeocoderDep,
    idempotency_key: IdempotencyKey = None,
) -> AssistedResidentPublic:
    """For connectors: register a neighbour who does not use the app, with their consent
    (who gave it, how, when). Their address is looked up and only its cell kept; a lookup
    that finds nothing, or places in different areas, is a 422 and creates nothing."""
    made, _ = await idempotency.once(
        session, resident.id, idempotency_key, "assisted-register", data,
        lambda: assisted.register(session, resident, data, geocoder), AssistedResidentPublic,
    )  # fmt: skip
    return made


@router.get("", responses=problems(401, 422))
async def list_assisted(
    resident: CurrentResident, session: SessionDep, cursor: Cursor = None, limit: Limit = 20
) -> Page[AssistedResidentPublic]:
    """The assisted residents in your neighbourhoods, by name."""
    return await assisted.listing(session, resident, cursor, limit)


@router.post(
    "/{resident_id}/requests",
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 404, 422),
)
async def ask_for_help(
    resident_id: uuid.UUID,
    data: HelpRequestCreate,
    resident: CurrentResident,
    session: SessionDep,
    alerting: AlertingDep,
    idempotency_key: IdempotencyKey = None,
) -> HelpRequestPublic:
    """Post a request for them (its alerts go out as for anyone's). Audited as your act."""
    made, _ = await idempotency.once(
        session, resident.id, idempotency_key, f"assisted-ask:{resident_id}", data,
        lambda: assisted.ask_for_help(session, resident, resident_id, data, alerting),
        HelpRequestPublic,
    )  # fmt: skip
    return made


@router.put("/{resident_id}/welfare-check", responses=problems(401, 404, 422))
async def check_on_them(
    resident_id: uuid.UUID, data: WelfareSignupPut, resident: CurrentResident, session: SessionDep
) -> WelfareSignupPublic:
    """Ask for them to be checked on when crisis mode starts where they live: you (or
    another connector) will be asked to call them. Audited as your act."""
    return await assisted.check_on_them(session, resident, resident_id, data)


@router.get("/{resident_id}/matches", responses=problems(401, 404, 422))
async def their_matches(
    resident_id: uuid.UUID,
    resident: CurrentResident,
    session: WritingSessionDep,
    status_: Annotated[MatchStatus | None, Query(alias="status")] = None,
    cursor: Cursor = None,
    limit: Limit = 20,
) -> Page[MatchPublic]:
    """Their matches, as they would see them."""
    them = await assisted.as_resident(session, resident, resident_id)
    return await match_views.listing(session, them, status_, cursor, limit)


@router.post("/{resident_id}/matches/{match_id}/{step}", responses=problems(401, 404, 409, 422))
async def take_step(
    resident_id: uuid.UUID,
    match_id: uuid.UUID,
    step: MatchStep,
    data: StepOnBehalf,
    resident: CurrentResident,
    session: SessionDep,
) -> MatchPublic:
    """Accept, decline, confirm, complete or cancel for them. The match's timeline names
    you, and the act is audited."""
    match, them = await assisted.take_step(session, resident, resident_id, match_id, step, data)
    return await match_views.view(session, them, match)
