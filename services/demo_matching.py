"""Demo matching for `kith serve --demo`: a year of help already given (completed matches and
the `helped` ties they left), and an open request for the sample account whose candidates
include people they know, so the first thing a newcomer opens shows reasons. Only ever
called from the demo seed."""

import random
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.categories import Category
from models.matches import Match, MatchChange, MatchOrigin, MatchStatus
from models.offers import Offer
from models.requests import HelpRequest, RequestStatus
from models.residents import Resident
from models.ties import MUTUAL_KINDS, Tie, TieKind
from services import ties

PAST_MATCHES = 40


async def seed_matching(
    session: AsyncSession, rng: random.Random, residents: list[Resident]
) -> int:
    """Returns how many past matches it made."""
    offers = list((await session.exec(select(Offer))).all())
    made = 0
    now = utcnow()
    for offer in rng.sample(offers, min(PAST_MATCHES, len(offers))):
        requester = rng.choice([r for r in residents if r.id != offer.owner_id])
        days_ago = rng.randint(7, 330)
        asked_at = now - timedelta(days=days_ago)
        accepted_at, confirmed_at = asked_at + timedelta(hours=3), asked_at + timedelta(hours=5)
        done_at = asked_at + timedelta(days=rng.randint(1, 5))
        past = HelpRequest(
            owner_id=requester.id,
            category=offer.category,
            title=f"{offer.category.value.replace('_', ' ').capitalize()}, please",
            cell=requester.home_cell or offer.cell,
            radius_m=2000,
            status=RequestStatus.fulfilled,
            expires_at=asked_at + timedelta(days=30),
            created_at=asked_at,
            updated_at=done_at,
        )
        session.add(past)
        await session.flush()
        match = Match(
            request_id=past.id,
            requester_id=requester.id,
            helper_id=offer.owner_id,
            offer_id=offer.id,
            origin=MatchOrigin.requester,
            status=MatchStatus.completed,
            accepted_at=accepted_at,
            confirmed_at=confirmed_at,
            closed_at=done_at,
            created_at=asked_at,
            updated_at=done_at,
        )
        session.add(match)
        await session.flush()
        for status, at in (
            (MatchStatus.proposed, asked_at),
            (MatchStatus.accepted, accepted_at),
            (MatchStatus.confirmed, confirmed_at),
            (MatchStatus.completed, done_at),
        ):
            session.add(MatchChange(match_id=match.id, status=status, at=at))
        await ties.record_tie(
            session, offer.owner_id, requester.id, TieKind.helped, at=done_at, context=past.title
        )
        made += 1
    await _sample_request(session, residents[0])
    await session.flush()
    return made


async def _sample_request(session: AsyncSession, sample: Resident) -> None:
    """The sample account needs shopping; two people they know nearby offer it."""
    known = (
        await session.exec(
            select(Tie.other_id)
            .where(Tie.resident_id == sample.id, col(Tie.kind).in_(MUTUAL_KINDS))
            .order_by(col(Tie.other_id))
            .limit(2)
        )
    ).all()
    now = utcnow()
    for neighbour_id in known:
        neighbour = await session.get(Resident, neighbour_id)
        if neighbour is None or neighbour.home_cell is None:
            continue
        session.add(
            Offer(
                owner_id=neighbour.id,
                category=Category.shopping,
                title="I go to the big shop on Fridays: can bring yours",
                cell=neighbour.home_cell,
                radius_m=3000,
                expires_at=now + timedelta(days=60),
            )
        )
    assert sample.home_cell is not None
    session.add(
        HelpRequest(
            owner_id=sample.id,
            category=Category.shopping,
            title="Groceries this week while my ankle heals",
            details="Milk, bread, fruit; I can pay by bank transfer.",
            cell=sample.home_cell,
            radius_m=3000,
            expires_at=now + timedelta(days=14),
        )
    )
