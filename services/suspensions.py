"""Suspending a resident, with immediate effect, and reinstating them. Both audited."""

import uuid
from collections.abc import Callable

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditAction
from models.matches import OPEN_STATUSES, Match, MatchStatus
from models.moderation import SuspensionDecision, SuspensionPublic
from models.requests import HelpRequest, RequestStatus
from models.residents import Resident, ResidentStatus
from models.trust import ResidentRef
from models.vouches import Vouch
from services import audit, authority, matches
from services.errors import InvalidInput

VOUCHEES_SHOWN = 100


async def suspend(
    session: AsyncSession, actor: Resident, subject_id: uuid.UUID, data: SuspensionDecision
) -> SuspensionPublic:
    """At once: the next request with any of their tokens is refused (every request checks
    the account), their posts leave every feed, and their open matches end kindly."""
    subject, where = await authority.over_resident(session, actor, subject_id)
    if subject.id == actor.id:
        raise InvalidInput("You cannot suspend yourself.")
    before = subject.status
    subject.status = ResidentStatus.suspended
    session.add(subject)
    ended = await end_open_matches(session, subject)
    await audit.record(
        session, actor, AuditAction.resident_suspended, "resident", subject.id,
        neighbourhood_id=where, before={"status": before.value},
        after={"status": subject.status.value}, reason=data.reason,
    )  # fmt: skip
    return SuspensionPublic(
        resident_id=subject.id,
        status=subject.status,
        matches_cancelled=ended,
        vouched_for=await _vouched_for(session, subject),
    )


async def reinstate(
    session: AsyncSession, actor: Resident, subject_id: uuid.UUID, data: SuspensionDecision
) -> SuspensionPublic:
    subject, where = await authority.over_resident(session, actor, subject_id)
    before = subject.status
    if before == ResidentStatus.erased:
        raise InvalidInput("An erased account cannot be reinstated.")
    subject.status = ResidentStatus.active
    session.add(subject)
    await audit.record(
        session, actor, AuditAction.resident_reinstated, "resident", subject.id,
        neighbourhood_id=where, before={"status": before.value},
        after={"status": subject.status.value}, reason=data.reason,
    )  # fmt: skip
    return SuspensionPublic(
        resident_id=subject.id,
        status=subject.status,
        matches_cancelled=0,
        vouched_for=await _vouched_for(session, subject),
    )


def _cannot_go_ahead(request: HelpRequest, _they_asked: bool) -> str:
    return (
        f"{request.title}: this match cannot go ahead, sorry. A connector can help find "
        "another way."
    )


async def end_open_matches(
    session: AsyncSession,
    subject: Resident,
    notice: Callable[[HelpRequest, bool], str] = _cannot_go_ahead,
) -> int:
    """Cancel every open or confirmed match of `subject`, telling each other side with
    `notice(request, subject_asked)`; a place `subject` held as helper opens again."""
    rows = await session.exec(
        select(Match)
        .where(or_(col(Match.requester_id) == subject.id, col(Match.helper_id) == subject.id))
        .where(col(Match.status).in_(OPEN_STATUSES | {MatchStatus.confirmed}))
    )
    open_matches = list(rows.all())
    for match in open_matches:
        request = await matches.lock_request(session, match.request_id)
        await session.refresh(match)
        if match.status not in OPEN_STATUSES | {MatchStatus.confirmed}:
            continue
        was_confirmed = match.status == MatchStatus.confirmed
        await matches.record(session, match, MatchStatus.cancelled, None)
        if (
            was_confirmed
            and request.status == RequestStatus.matched
            and (match.helper_id == subject.id)
        ):
            request.status = RequestStatus.open  # the place is free for someone else
            session.add(request)
        other = match.requester_id if match.helper_id == subject.id else match.helper_id
        await matches.tell(
            session, other, match, "ended", notice(request, match.requester_id == subject.id)
        )
    return len(open_matches)


async def _vouched_for(session: AsyncSession, subject: Resident) -> list[ResidentRef]:
    rows = await session.exec(
        select(Resident.id, Resident.display_name)
        .join(Vouch, col(Vouch.vouchee_id) == Resident.id)
        .where(Vouch.voucher_id == subject.id, col(Vouch.revoked_at).is_(None))
        .order_by(col(Resident.display_name), col(Resident.id))
        .limit(VOUCHEES_SHOWN)
    )
    return [ResidentRef(id=i, display_name=n) for i, n in rows.all()]
