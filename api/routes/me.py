"""The signed-in resident's own account."""

from fastapi import APIRouter

from api.deps import CurrentResident, SessionDep
from api.errors import problems
from models.residents import MePublic, ResidentUpdate
from services import residents

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", responses=problems(401))
async def read(resident: CurrentResident, session: SessionDep) -> MePublic:
    """Your account, roles and neighbourhoods."""
    return await residents.me(session, resident)


@router.patch("", responses=problems(401, 422))
async def update(data: ResidentUpdate, resident: CurrentResident, session: SessionDep) -> MePublic:
    """Change your profile, home or privacy level; send only the fields that change."""
    return await residents.update_me(session, resident, data)
