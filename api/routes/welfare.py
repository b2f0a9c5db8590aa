"""Welfare check-ins: ask to be checked on in a crisis; answer "are you OK?" (yourself, or
a connector for you after a call)."""

import uuid

from fastapi import APIRouter, status

from api.deps import AlertingDep, CurrentResident, SessionDep
from api.errors import problems
from models.welfare import (
    WelfareCheckAnswer,
    WelfareCheckPublic,
    WelfareSignupPublic,
    WelfareSignupPut,
)
from services import welfare

router = APIRouter(tags=["welfare"])


@router.put("/v1/me/welfare-check", responses=problems(401, 422))
async def sign_up(
    data: WelfareSignupPut, resident: CurrentResident, session: SessionDep
) -> WelfareSignupPublic:
    """Ask to be checked on when crisis mode starts where you live: in the app, or by a
    phone call from a connector. Replaces what you set before."""
    return await welfare.sign_up(session, resident, data)


@router.get("/v1/me/welfare-check", responses=problems(401, 404))
async def read_signup(resident: CurrentResident, session: SessionDep) -> WelfareSignupPublic:
    """How you asked to be checked on."""
    return await welfare.signup_of(session, resident)


@router.delete(
    "/v1/me/welfare-check", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404)
)
async def leave(resident: CurrentResident, session: SessionDep) -> None:
    """Stop being checked on."""
    await welfare.leave(session, resident)


@router.get("/v1/welfare-checks/{check_id}", responses=problems(401, 404, 422))
async def read_check(
    check_id: uuid.UUID, resident: CurrentResident, session: SessionDep
) -> WelfareCheckPublic:
    """One "are you OK?", for the resident asked or a connector where they live."""
    return await welfare.read(session, resident, check_id)


@router.post("/v1/welfare-checks/{check_id}/answer", responses=problems(401, 404, 409, 422))
async def answer(
    check_id: uuid.UUID,
    data: WelfareCheckAnswer,
    resident: CurrentResident,
    session: SessionDep,
    alerting: AlertingDep,
) -> WelfareCheckPublic:
    """ "I'm fine", or "I need help" (an urgent request opens with your defaults, and its
    alerts go out). A connector may answer for a resident after calling them (audited)."""
    return await welfare.answer(session, resident, check_id, data, alerting)
