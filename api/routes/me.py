"""The signed-in resident's own account."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CurrentResident, SessionDep, TrustDep
from api.errors import problems
from models.base import Page
from models.residents import MePublic, ResidentUpdate
from models.ties import CircleMember
from services import circles, residents

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", responses=problems(401))
async def read(resident: CurrentResident, session: SessionDep) -> MePublic:
    """Your account, roles and neighbourhoods."""
    return await residents.me(session, resident)


@router.patch("", responses=problems(401, 422))
async def update(data: ResidentUpdate, resident: CurrentResident, session: SessionDep) -> MePublic:
    """Change your profile, home or privacy level; send only the fields that change."""
    return await residents.update_me(session, resident, data)


@router.get("/circle", responses=problems(401, 422))
async def circle(
    resident: CurrentResident,
    session: SessionDep,
    trust: TrustDep,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[CircleMember]:
    """Everyone you have a tie with: how (connected, vouched, met, helped), how strong the
    tie is today, and since when. Strongest first. Only you see this."""
    return await circles.circle(session, resident, trust.decay, cursor, limit)
