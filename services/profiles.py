"""Public profiles: who someone is, and how the viewer is joined to them."""

import uuid

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.neighbourhoods import NeighbourhoodConnector
from models.profiles import MUTUALS_NAMED, ResidentProfile, TrustSummary
from models.residents import Resident, ResidentStatus
from models.ties import MUTUAL_KINDS, Tie, YourTie
from models.trust import ResidentRef
from services import blocks, residents, ties, verifications, vouches
from services.errors import NotFound
from services.trust import TrustSettings, trust_between


async def _mutuals(
    session: AsyncSession, viewer_id: uuid.UUID, subject_id: uuid.UUID
) -> tuple[int, list[ResidentRef]]:
    """People both have a tie with and neither has blocked, or been blocked by."""
    mine, theirs = aliased(Tie), aliased(Tie)
    shared = (  # ties both sides chose: a vouch, made without asking, never makes a mutual
        select(mine.other_id)
        .join(theirs, col(theirs.resident_id) == mine.other_id)
        .where(mine.resident_id == viewer_id)
        .where(theirs.other_id == subject_id)
        .where(col(mine.kind).in_(MUTUAL_KINDS))
        .where(col(theirs.kind).in_(MUTUAL_KINDS))
        .distinct()
        .subquery()
    )
    visible = (
        select(Resident.id, Resident.display_name)
        .join(shared, shared.c.other_id == Resident.id)
        .where(Resident.status == ResidentStatus.active)
        .where(blocks.not_hidden_from(viewer_id, Resident.id))
        .where(blocks.not_hidden_from(subject_id, Resident.id))
    )
    count = await session.exec(select(func.count()).select_from(visible.subquery()))
    named = await session.exec(
        visible.order_by(col(Resident.display_name), col(Resident.id)).limit(MUTUALS_NAMED)
    )
    return count.one(), [ResidentRef(id=i, display_name=n) for i, n in named.all()]


async def _connects_for(session: AsyncSession, viewer: Resident, subject: Resident) -> bool:
    """Whether the viewer is a connector of the subject's neighbourhood. (Not an admin as
    such: vouch notes are for the connectors who know the people involved.)"""
    theirs = {n.id for n in await residents.neighbourhoods_of(session, subject)}
    if not theirs:
        return False
    found = await session.exec(
        select(NeighbourhoodConnector.neighbourhood_id)
        .where(NeighbourhoodConnector.resident_id == viewer.id)
        .where(col(NeighbourhoodConnector.neighbourhood_id).in_(theirs))
    )
    return found.first() is not None


async def profile(
    session: AsyncSession, viewer: Resident, subject_id: uuid.UUID, settings: TrustSettings
) -> ResidentProfile:
    subject = await session.get(Resident, subject_id)
    if (
        subject is None
        or (subject.status != ResidentStatus.active and subject.id != viewer.id)
        or await blocks.blocked_either_way(session, viewer.id, subject_id)
    ):
        raise NotFound("No such resident.")  # a block hides, and never says so
    summary = None
    if subject.id != viewer.id:
        at = ties.today()
        trust = (await trust_between(session, viewer.id, [subject.id], settings, at))[subject.id]
        tie = await ties.between(session, viewer.id, subject.id, settings.decay, at)
        mutual_count, mutuals = await _mutuals(session, viewer.id, subject.id)
        summary = TrustSummary(
            reasons=trust.reasons,
            your_tie=YourTie(kinds=tie.kinds, strength=round(tie.strength, 3), since=tie.since)
            if tie
            else None,
            mutual_count=mutual_count,
            mutuals=mutuals,
            vouch_count=trust.resident_vouches,
            vouched_by_connector=trust.connector_vouches > 0,
            badges=verifications.badges(
                (await verifications.current(session, [subject.id], at)).get(subject.id, {})
            ),
        )
    reviewing = subject.id != viewer.id and await _connects_for(session, viewer, subject)
    return ResidentProfile(
        id=subject.id,
        display_name=subject.display_name,
        bio=subject.bio,
        skills=subject.skills,
        languages=subject.languages,
        member_since=subject.created_at.date(),
        trust=summary,
        vouches=await vouches.history(session, subject.id) if reviewing else None,
    )
