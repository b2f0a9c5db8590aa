"""Crisis mode for a neighbourhood, switched by its connectors."""

import uuid

from fastapi import APIRouter, status

from api.deps import CurrentResident, SessionDep, SettingsDep
from api.errors import problems
from models.crises import CrisisPublic, CrisisStart
from services import crises

router = APIRouter(prefix="/v1/neighbourhoods/{neighbourhood_id}/crisis", tags=["crisis"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(401, 404, 409, 422))
async def start(
    neighbourhood_id: uuid.UUID,
    data: CrisisStart,
    resident: CurrentResident,
    session: SessionDep,
    settings: SettingsDep,
) -> CrisisPublic:
    """For its connectors: switch crisis mode on until `ends_at`. Alerts go out faster and
    further, urgent requests go straight to the connector queue (with the batch assignment
    offered there), everyone living in the area is told once, and residents who asked to be
    checked on are asked "are you OK?". Audited with your reason."""
    return await crises.start(
        session, resident, neighbourhood_id, data, settings.crisis.answer_within
    )


@router.get("", responses=problems(401, 404, 422))
async def current(
    neighbourhood_id: uuid.UUID,
    resident: CurrentResident,
    session: SessionDep,
    settings: SettingsDep,
) -> CrisisPublic:
    """For its connectors: the live crisis (else the last one), with the check-ins'
    progress: asked, fine, need help, waiting, no answer."""
    return await crises.latest(session, resident, neighbourhood_id, settings.crisis.answer_within)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401, 404, 422))
async def stop(neighbourhood_id: uuid.UUID, resident: CurrentResident, session: SessionDep) -> None:
    """For its connectors: switch crisis mode off now. Audited."""
    await crises.stop(session, resident, neighbourhood_id)
