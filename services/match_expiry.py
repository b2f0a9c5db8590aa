"""Lapsing unanswered steps, run by `kith jobs` (any number of workers at once): each lapsed
match is marked expired once, and the requester is pointed to who else could help."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.matches import OPEN_STATUSES, Match, MatchStatus
from models.notifications import NotificationKind
from models.requests import HelpRequest, RequestStatus
from models.residents import Resident
from services import alerts, candidates, matches, notifications
from services.matching import MatchingWeights
from services.trust import TrustSettings

BATCH = 200


@dataclass(frozen=True)
class Expired:
    matches: int


async def expire_due(
    session: AsyncSession, now: datetime, trust: TrustSettings, weights: MatchingWeights
) -> Expired:
    rows = await session.exec(
        select(Match)
        .where(col(Match.status).in_(OPEN_STATUSES), col(Match.expires_at) <= now)
        .order_by(col(Match.expires_at))
        .limit(BATCH)
        .with_for_update(skip_locked=True)  # PostgreSQL: workers share the batch out
    )
    lapsed = list(rows.all())
    for match in lapsed:
        await matches.record(session, match, MatchStatus.expired, None)
        await alerts.reopen(session, match.request_id, now)
        await _suggest_next(session, match, now, trust, weights)
    return Expired(matches=len(lapsed))


async def _suggest_next(
    session: AsyncSession,
    match: Match,
    now: datetime,
    trust: TrustSettings,
    weights: MatchingWeights,
) -> None:
    request = await session.get(HelpRequest, match.request_id)
    if request is None:
        return
    data: dict[str, object] = {"match_id": str(match.id), "request_id": str(request.id)}
    title = f"{request.title}: no answer in time, so it lapsed."
    if request.status == RequestStatus.open and request.expires_at > now:
        ranked = await candidates.rank(session, request, trust, weights, now)
        if ranked:
            best = ranked[0].scored.facts.helper_id
            helper = await session.get(Resident, best)
            if helper is not None:
                data["next_candidate"] = {"id": str(helper.id), "display_name": helper.display_name}
                title += f" {helper.display_name} could help: ask them?"
    await notifications.notify(
        session,
        [match.requester_id],
        NotificationKind.match_update,
        f"match:{match.id}:expired",
        title,
        data,
    )
    if match.accepted_at is not None:  # the helper had said yes: a kind word for them too
        await notifications.notify(
            session,
            [match.helper_id],
            NotificationKind.match_update,
            f"match:{match.id}:expired",
            f"{request.title}: it did not go ahead this time. Thank you for saying yes.",
            {"match_id": str(match.id)},
        )
