"""Connectors' review of matches that wait for them: approve, or reject kindly."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditAction
from models.base import utcnow
from models.categories import CATEGORY_BY_ID, RiskTier
from models.matches import Match, MatchOrigin, MatchStatus
from models.moderation import MatchReviewed, ReviewDecision
from models.requests import HelpRequest
from models.residents import Resident
from services import audit, authority, candidates, matches, verifications
from services.errors import Conflict, InvalidInput, NotFound


async def _pending(
    session: AsyncSession, connector: Resident, match_id: uuid.UUID
) -> tuple[Match, HelpRequest, uuid.UUID]:
    match = await session.get(Match, match_id)
    request = await session.get(HelpRequest, match.request_id) if match else None
    if match is None or request is None:
        raise NotFound("No such match.")
    where = await authority.over_cell(session, connector, request.cell)
    request = await matches.lock_request(session, request.id)
    await session.refresh(match)
    if match.status != MatchStatus.pending_review:
        raise Conflict(f"This match is {match.status.value}: there is nothing to review.")
    return match, request, where


async def approve(
    session: AsyncSession, connector: Resident, match_id: uuid.UUID, data: ReviewDecision
) -> MatchReviewed:
    match, request, where = await _pending(session, connector, match_id)
    if CATEGORY_BY_ID[request.category].risk_tier == RiskTier.regulated:
        held = await verifications.current(session, [match.helper_id], utcnow())
        if candidates.REGULATED_CHECK not in held.get(match.helper_id, {}):
            raise InvalidInput(
                "This help is regulated: the helper needs a current enhanced DBS check with "
                "the adults' barred list before a match can be approved."
            )
    now = utcnow()
    volunteered = match.origin == MatchOrigin.helper
    match.expires_at = matches.answer_by(request, now)
    if volunteered:
        match.accepted_at = now
    status = MatchStatus.accepted if volunteered else MatchStatus.proposed
    await matches.record(session, match, status, connector.id)
    if volunteered:
        await matches.tell(session, match.requester_id, match, "approved",
                    f"A neighbour offers to help with: {request.title}")  # fmt: skip
    else:
        await matches.tell(session, match.helper_id, match, "approved",
                    f"Can you help with: {request.title}?")  # fmt: skip
    await audit.record(
        session, connector, AuditAction.match_approved, "match", match.id,
        neighbourhood_id=where, before={"status": "pending_review"},
        after={"status": status.value}, reason=data.reason,
    )  # fmt: skip
    return MatchReviewed(match_id=match.id, status=status)


async def reject(
    session: AsyncSession, connector: Resident, match_id: uuid.UUID, data: ReviewDecision
) -> MatchReviewed:
    """The requester is told kindly; the helper only that it did not go ahead."""
    match, request, where = await _pending(session, connector, match_id)
    await matches.record(session, match, MatchStatus.cancelled, connector.id)
    await matches.tell(session, match.requester_id, match, "rejected",
                f"{request.title}: a connector looked at this match and it will not go ahead. "
                "They may be in touch to find another way.")  # fmt: skip
    kind_word = f"{request.title}: this did not go ahead. Thank you for being willing."
    await matches.tell(session, match.helper_id, match, "rejected", kind_word)
    await audit.record(
        session, connector, AuditAction.match_rejected, "match", match.id,
        neighbourhood_id=where, before={"status": "pending_review"},
        after={"status": MatchStatus.cancelled.value}, reason=data.reason,
    )  # fmt: skip
    return MatchReviewed(match_id=match.id, status=MatchStatus.cancelled)
