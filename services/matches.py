"""The match lifecycle: a proposal, the helper's yes, the requester's confirmation, help
given. Each step belongs to one party; anyone else gets 404, a wrong state 409.

Each step takes `by`: a connector acting for an assisted resident (who has no app), so the
timeline says who really acted.

Steps that take a place on a request (accept, confirm) run under a lock on the request, so
twenty helpers saying yes at once to a request that needs one give one yes and 19 conflicts.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.categories import CATEGORY_BY_ID, RiskTier
from models.matches import (
    OPEN_STATUSES,
    TAKEN_STATUSES,
    Match,
    MatchAccept,
    MatchChange,
    MatchConfirm,
    MatchCreate,
    MatchOrigin,
    MatchStatus,
)
from models.notifications import NotificationKind
from models.requests import Eligibility, HelpRequest, RequestStatus, Urgency
from models.residents import Resident
from models.ties import TieKind
from models.webhooks import WebhookEventType
from services import (
    alerts,
    candidates,
    locks,
    neighbourhoods,
    notifications,
    requests,
    ties,
    webhooks,
)
from services.errors import Conflict, InvalidInput, NotFound
from services.matching import MatchingWeights
from services.trust import TrustSettings

ANSWER_WITHIN = timedelta(hours=48)
ANSWER_WITHIN_URGENT = timedelta(hours=2)


def answer_by(request: HelpRequest, now: datetime) -> datetime:
    return now + (ANSWER_WITHIN_URGENT if request.urgency == Urgency.urgent else ANSWER_WITHIN)


def needs_review(request: HelpRequest, origin: MatchOrigin) -> bool:
    """Personal and regulated help, and requests that asked for it, wait for a connector
    (unless a connector arranged the match)."""
    tier = CATEGORY_BY_ID[request.category].risk_tier
    asks = tier != RiskTier.everyday or request.eligibility == Eligibility.via_connector
    return asks and origin != MatchOrigin.connector


async def lock_request(session: AsyncSession, request_id: uuid.UUID) -> HelpRequest:
    await locks.hold(session, b"request-places", request_id.bytes)
    request = await session.get(HelpRequest, request_id, populate_existing=True)
    if request is None:
        raise NotFound("No such request.")
    return request


async def record(
    session: AsyncSession, match: Match, status: MatchStatus, by: uuid.UUID | None
) -> None:
    now = utcnow()
    match.status, match.updated_at, match.version = status, now, match.version + 1
    if status not in OPEN_STATUSES and status != MatchStatus.confirmed:
        match.closed_at = match.closed_at or now
        match.expires_at = None
    session.add(match)
    session.add(MatchChange(match_id=match.id, status=status, by=by, at=now))


async def tell(
    session: AsyncSession, who: uuid.UUID, match: Match, occasion: str, title: str
) -> None:
    await notifications.notify(
        session,
        [who],
        NotificationKind.match_update,
        f"match:{match.id}:{occasion}",
        title,
        {"match_id": str(match.id), "request_id": str(match.request_id), "status": match.status},
    )


async def propose(
    session: AsyncSession,
    actor: Resident,
    request_id: uuid.UUID,
    data: MatchCreate,
    trust_settings: TrustSettings,
    weights: MatchingWeights,
) -> Match:
    """The requester (or a local connector) asks a candidate; or a helper volunteers."""
    request = await session.get(HelpRequest, request_id)
    if request is None:
        raise NotFound("No such request.")
    volunteering = data.helper_id in (None, actor.id) and request.owner_id != actor.id
    helper_id: uuid.UUID | None
    if volunteering:
        await requests.read(session, actor, request_id)  # 404 unless it is shared with them
        helper_id, origin = actor.id, MatchOrigin.helper
    elif request.owner_id == actor.id:
        helper_id, origin = data.helper_id, MatchOrigin.requester
    elif await neighbourhoods.connects_at(session, actor.id, request.cell):
        helper_id, origin = data.helper_id, MatchOrigin.connector
    else:
        raise NotFound("No such request.")
    if helper_id is None or helper_id == request.owner_id:
        raise InvalidInput("Name the helper to ask.", field=("helper_id",))
    request = await lock_request(session, request_id)
    now = utcnow()
    candidates.open_or_conflict(request, now)
    asked = await session.exec(
        select(Match).where(Match.request_id == request.id, Match.helper_id == helper_id)
    )
    if asked.first() is not None:
        raise Conflict("They have already been asked about this request.")
    ranked = await candidates.rank(
        session, request, trust_settings, weights, now, only=helper_id, any_helper=volunteering
    )
    if not ranked:
        raise InvalidInput(_why_not(request, volunteering), field=("helper_id",))
    best = ranked[0]
    if data.offer_id is not None and data.offer_id != best.offer_id:
        raise InvalidInput("That offer does not answer this request.", field=("offer_id",))
    match = Match(
        request_id=request.id,
        requester_id=request.owner_id,
        helper_id=helper_id,
        offer_id=best.offer_id,
        origin=origin,
        status=MatchStatus.proposed,
        score_permille=round(best.scored.score * 1000),
        reasons=[reason.model_dump(mode="json") for reason in best.scored.reasons],
        helper_contact=data.contact if volunteering else None,
    )
    session.add(match)
    await session.flush()
    if needs_review(request, origin):
        first = MatchStatus.pending_review
    else:
        first = MatchStatus.accepted if volunteering else MatchStatus.proposed
        match.expires_at = answer_by(request, now)
    if first == MatchStatus.accepted:
        match.accepted_at = now
    await record(session, match, first, actor.id)
    if volunteering:  # a yes, even while a connector reviews it
        await alerts.said_yes(session, request, helper_id, now)
    await webhooks.emit(
        session, WebhookEventType.match_proposed, match_id=match.id, request_id=request.id
    )
    if first == MatchStatus.proposed:
        await tell(session, helper_id, match, "proposed",
                    f"Can you help with: {request.title}?")  # fmt: skip
    elif first == MatchStatus.accepted:
        await tell(session, request.owner_id, match, "volunteered",
                    f"A neighbour offers to help with: {request.title}")  # fmt: skip
    return match


async def mine(session: AsyncSession, actor: Resident, match_id: uuid.UUID) -> Match:
    """A match the actor is a side of."""
    return await _mine(session, actor, match_id, "helper", "requester")


def _why_not(request: HelpRequest, volunteering: bool) -> str:
    if CATEGORY_BY_ID[request.category].risk_tier == RiskTier.regulated:
        return (
            "This kind of help is regulated: the helper needs a current enhanced DBS check "
            "with the adults' barred list, recorded by a connector, and a connector approves "
            "each match."
        )
    if volunteering:
        return (
            "You cannot take this request on just now (its reach, who may help, or your "
            "weekly limit or quiet hours)."
        )
    return "They cannot be asked about this request just now."


async def _mine(session: AsyncSession, actor: Resident, match_id: uuid.UUID, *roles: str) -> Match:
    """The match, if the actor holds one of `roles` in it; 404 otherwise. Lapsed ones are
    marked expired on the way."""
    match = await session.get(Match, match_id, populate_existing=True)
    if match is None or not any(
        (role == "helper" and match.helper_id == actor.id)
        or (role == "requester" and match.requester_id == actor.id)
        for role in roles
    ):
        raise NotFound("No such match.")
    await expire_if_due(session, match, utcnow())
    return match


async def expire_if_due(session: AsyncSession, match: Match, now: datetime) -> bool:
    """Read as expired once lapsed, even before `kith jobs` (which tells the people) runs."""
    if match.status in OPEN_STATUSES and match.expires_at is not None and match.expires_at <= now:
        await record(session, match, MatchStatus.expired, None)
        await alerts.reopen(session, match.request_id, now)
        return True
    return False


async def _locked(
    session: AsyncSession, actor: Resident, match_id: uuid.UUID, *roles: str
) -> tuple[Match, HelpRequest]:
    """The match, read again once its request's places are locked: what it was a moment
    ago may have changed in another worker."""
    match = await _mine(session, actor, match_id, *roles)
    request = await lock_request(session, match.request_id)
    await session.refresh(match)
    return match, request


def _other_side(match: Match, actor: Resident) -> uuid.UUID:
    return match.requester_id if match.helper_id == actor.id else match.helper_id


def _in_state(match: Match, *allowed: MatchStatus) -> None:
    if match.status not in allowed:
        raise Conflict(f"This match is {match.status.value}.")


async def _count(
    session: AsyncSession, request_id: uuid.UUID, statuses: frozenset[MatchStatus]
) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(Match)
        .where(Match.request_id == request_id, col(Match.status).in_(statuses))
    )
    return found.one()


async def accept(
    session: AsyncSession,
    actor: Resident,
    match_id: uuid.UUID,
    data: MatchAccept,
    by: Resident | None = None,
) -> Match:
    match, request = await _locked(session, actor, match_id, "helper")
    _in_state(match, MatchStatus.proposed)
    if await _count(session, request.id, TAKEN_STATUSES) >= request.helpers_needed:
        raise Conflict("Someone else has just said yes; thank you all the same.")
    match.accepted_at = utcnow()
    match.helper_contact = data.contact
    match.expires_at = answer_by(request, match.accepted_at)
    await record(session, match, MatchStatus.accepted, (by or actor).id)
    await alerts.said_yes(session, request, match.helper_id, match.accepted_at)
    title = f"A neighbour can help with: {request.title}. Confirm to share details."
    await tell(session, match.requester_id, match, "accepted", title)
    return match


async def decline(
    session: AsyncSession, actor: Resident, match_id: uuid.UUID, by: Resident | None = None
) -> Match:
    """No reason asked, and it costs the helper nothing."""
    match = await _mine(session, actor, match_id, "helper", "requester")
    if match.helper_id == actor.id:
        _in_state(match, MatchStatus.proposed, MatchStatus.pending_review, MatchStatus.accepted)
    else:  # a requester declines a helper who volunteered
        _in_state(match, MatchStatus.accepted, MatchStatus.pending_review)
        if match.origin != MatchOrigin.helper:
            raise Conflict("To stop a match you proposed, cancel it.")
    await record(session, match, MatchStatus.declined, (by or actor).id)
    await alerts.reopen(session, match.request_id, utcnow())
    await tell(
        session, _other_side(match, actor), match, "declined",
        "This one will not go ahead; thank you.",
    )  # fmt: skip
    return match


async def confirm(
    session: AsyncSession,
    actor: Resident,
    match_id: uuid.UUID,
    data: MatchConfirm,
    by: Resident | None = None,
) -> Match:
    match, request = await _locked(session, actor, match_id, "requester")
    _in_state(match, MatchStatus.accepted)
    confirmed = await _count(session, request.id, frozenset({MatchStatus.confirmed}))
    if confirmed >= request.helpers_needed or request.status != RequestStatus.open:
        raise Conflict("This request already has the helpers it needs.")
    match.confirmed_at = utcnow()
    match.requester_contact, match.meeting_note = data.contact, data.meeting_note
    match.expires_at = None
    await record(session, match, MatchStatus.confirmed, (by or actor).id)
    await webhooks.emit(
        session, WebhookEventType.match_confirmed, match_id=match.id, request_id=request.id
    )
    await tell(session, match.helper_id, match, "confirmed",
                f"Confirmed: {request.title}. You can now see how to reach them.")  # fmt: skip
    if confirmed + 1 >= request.helpers_needed:
        request.status = RequestStatus.matched
        session.add(request)
        await _withdraw_the_rest(session, request)
    return match


async def _withdraw_the_rest(session: AsyncSession, request: HelpRequest) -> None:
    rows = await session.exec(
        select(Match).where(Match.request_id == request.id, col(Match.status).in_(OPEN_STATUSES))
    )
    for other in rows.all():
        await record(session, other, MatchStatus.withdrawn, None)
        await tell(session, other.helper_id, other, "withdrawn",
                    f"{request.title}: they have found the help they need. Thank you for "
                    "being willing.")  # fmt: skip


async def complete(
    session: AsyncSession, actor: Resident, match_id: uuid.UUID, by: Resident | None = None
) -> Match:
    match, request = await _locked(session, actor, match_id, "helper", "requester")
    _in_state(match, MatchStatus.confirmed)
    await record(session, match, MatchStatus.completed, (by or actor).id)
    await webhooks.emit(
        session, WebhookEventType.match_completed, match_id=match.id, request_id=request.id
    )
    await ties.record_tie(
        session, match.helper_id, match.requester_id, TieKind.helped,
        at=utcnow(), context=request.title[:120],
    )  # fmt: skip
    if await _count(session, request.id, frozenset({MatchStatus.confirmed})) == 0:
        request.status = RequestStatus.fulfilled
        session.add(request)
    await tell(
        session, _other_side(match, actor), match, "completed", f"Marked as done: {request.title}."
    )
    await _ask_how_it_went(session, match, request)
    return match


async def _ask_how_it_went(session: AsyncSession, match: Match, request: HelpRequest) -> None:
    """A private "how did it go?" to each side, once (services/match_feedback.py takes the
    answer). The key starts `match:<id>`, so erasure finds it with the match's other notices."""
    for side, who in (("helper", match.helper_id), ("requester", match.requester_id)):
        await notifications.notify(
            session, [who], NotificationKind.match_feedback, f"match:{match.id}:feedback:{side}",
            f"How did it go? {request.title}",
            {"match_id": str(match.id), "request_id": str(match.request_id)},
        )  # fmt: skip


async def cancel(
    session: AsyncSession, actor: Resident, match_id: uuid.UUID, by: Resident | None = None
) -> Match:
    match, request = await _locked(session, actor, match_id, "helper", "requester")
    _in_state(match, *OPEN_STATUSES, MatchStatus.confirmed)
    was_confirmed = match.status == MatchStatus.confirmed
    await record(session, match, MatchStatus.cancelled, (by or actor).id)
    if was_confirmed and request.status == RequestStatus.matched:
        request.status = RequestStatus.open  # the place is free again
        session.add(request)
    await alerts.reopen(session, request.id, utcnow())
    await tell(
        session, _other_side(match, actor), match, "cancelled", f"Called off: {request.title}."
    )
    return match


async def thank(session: AsyncSession, actor: Resident, match_id: uuid.UUID, message: str) -> Match:
    match = await _mine(session, actor, match_id, "helper", "requester")
    _in_state(match, MatchStatus.completed)
    field = "helper_thanks" if match.helper_id == actor.id else "requester_thanks"
    if getattr(match, field) is not None:
        raise Conflict("You have already sent your thanks.")
    setattr(match, field, message)
    session.add(match)
    await tell(
        session, _other_side(match, actor), match, f"thanks:{field}", "You have a thank-you note."
    )
    return match
