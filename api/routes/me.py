"""The signed-in resident's own account."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.deps import AccessToken, CurrentResident, SessionDep, TokensDep, TrustDep
from api.errors import problems
from models.base import Page
from models.data_rights import DataExport
from models.residents import MePublic, ResidentUpdate
from models.ties import CircleMember
from services import circles, data_export, erasure, residents

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


@router.get("/export", responses=problems(401))
async def export(resident: CurrentResident, session: SessionDep, response: Response) -> DataExport:
    """Everything Kith holds about you, as one JSON document (sent as a file to save), by
    kind: your profile, sign-ins, devices (push tokens masked: they are secrets), posts,
    matches from either side (what you shared and were thanked; not the other side's contact
    or note, shown to you only while a match was on), who saw your details and whose you
    saw, ties, vouches you gave (of those you received, only when each standing one was
    given: who vouched and their note are for connectors), connections (an ask of yours that
    was declined reads as unanswered, as it always did), blocks you made, notifications,
    event answers, check-ins, the people you chose to keep in touch with, events you make or
    host, reports you filed, checks, roles, API keys and webhooks you made or that act as
    you, and what connectors or admins did about you (not who, and not their reasons, which
    may name others).

    Left out, for others' safety: who blocked you, reports about you, who chose to keep in
    touch with you, and the answers of people you invited to host, since none of these is
    ever shown to you; and work you did as a connector or admin about other people. Each
    list holds at most 5,000 entries, newest first; `truncated` names any that were cut."""
    response.headers["Content-Disposition"] = (
        f'attachment; filename="kith-export-{resident.id}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return await data_export.export(session, resident)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=problems(401))
async def erase(
    resident: CurrentResident, token: AccessToken, tokens: TokensDep, session: SessionDep
) -> None:
    """Delete your account, at once and for good. Sign in again with your password first
    (`POST /v1/auth/token`) and call this with that access token within 10 minutes; later,
    or with a token from an older sign-in, the answer is 401 with `WWW-Authenticate: Bearer
    error="insufficient_user_authentication"` (RFC 9470).

    Your profile, email, home, password, devices, notifications and sign-ins are removed
    (every token stops working); your posts are withdrawn and their words removed; open
    matches end, and the other side is told kindly without being told who; your ties,
    vouches, connections, blocks and event answers go, and events only you host are
    cancelled. What others keep (a match they had with you, a report, the audit log) shows
    "Former neighbour", with your name and email taken out. The email may then be used to
    sign up afresh. Download your data first (`GET /v1/me/export`) if you want it."""
    await erasure.erase_me(session, resident, tokens, token)
