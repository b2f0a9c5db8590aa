"""Circles: whom a resident has ties with, and who may see a post shared only with a circle."""

import uuid
from typing import Any

from sqlalchemy import Uuid, and_, literal, or_
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page
from models.posts import Visibility
from models.residents import Resident, ResidentStatus
from models.ties import CircleMember, Tie
from services import blocks, names, ties
from services.posts import FeedKey, paginate


async def circle(
    session: AsyncSession,
    viewer: Resident,
    decay: ties.Decay,
    cursor: str | None,
    limit: int,
) -> Page[CircleMember]:
    """The viewer's ties, strongest first. Someone blocked either way is not listed."""
    summaries = await _summaries(session, viewer, decay)
    # Strongest first; the cursor key reuses the feed's (bucket, number, id) shape.
    page, next_cursor = paginate(
        ((FeedKey(0, -round(s.strength, 6), f"{other}"), other) for other, s in summaries.items()),
        cursor,
        limit,
    )
    return Page[CircleMember](
        items=await _members(session, summaries, page), next_cursor=next_cursor
    )


async def members_among(
    session: AsyncSession, viewer: Resident, decay: ties.Decay, others: list[uuid.UUID]
) -> list[CircleMember]:
    """Those of `others` in the viewer's circle, as `circle` lists them (for sync)."""
    if not others:
        return []
    summaries = await _summaries(session, viewer, decay, col(Tie.other_id).in_(others))
    return await _members(session, summaries, [o for o in others if o in summaries])


async def _summaries(
    session: AsyncSession, viewer: Resident, decay: ties.Decay, *conditions: ColumnElement[bool]
) -> dict[uuid.UUID, ties.TieSummary]:
    rows = await session.exec(
        select(Tie)
        .join(Resident, col(Resident.id) == Tie.other_id)
        .where(Tie.resident_id == viewer.id)
        .where(Resident.status == ResidentStatus.active)
        .where(blocks.not_hidden_from(viewer.id, Tie.other_id))
        .where(*conditions)
    )
    return ties.summarise(rows.all(), decay, ties.today())


async def _members(
    session: AsyncSession, summaries: dict[uuid.UUID, ties.TieSummary], page: list[uuid.UUID]
) -> list[CircleMember]:
    known = await names.names(session, page)
    return [
        CircleMember(
            id=other,
            display_name=known[other],
            kinds=summaries[other].kinds,
            strength=round(summaries[other].strength, 3),
            since=summaries[other].since,
        )
        for other in page
    ]


def _expression(value: Any) -> Any:
    """A column as itself; a plain value (an id, a visibility) as a bound literal."""
    if isinstance(value, uuid.UUID):
        return literal(value, Uuid)
    if isinstance(value, Visibility):
        return literal(value.value)
    return col(value)


def audience_holds(viewer_id: Any, visibility: Any, owner_id: Any) -> ColumnElement[bool]:
    """A filter on a post's columns: the viewer is in the audience it was shared with.

    Decided from the owner's side: the owner's ties (their own vouches too) hold the viewer,
    or, for `circle_of_circle`, the ties of someone the owner has a tie with, as long as
    that someone is active and blocked with neither end. A tie made from the viewer's side
    alone (their vouch) never lets them in. The subqueries are uncorrelated, so each runs
    once per query, not once per post. `viewer_id` is an id, or a bound parameter standing
    for one, so that a hot path can build the filter once (services/feeds.py); `visibility`
    and `owner_id` are a post's columns, or plain values (a request's, known already)."""
    held_by = select(Tie.resident_id).where(Tie.other_id == viewer_id)
    owners_tie, bridges_tie, bridge = aliased(Tie), aliased(Tie), aliased(Resident)
    held_through_one = (
        select(owners_tie.resident_id)
        .join(bridges_tie, col(bridges_tie.resident_id) == owners_tie.other_id)
        .join(bridge, col(bridge.id) == owners_tie.other_id)
        .where(bridges_tie.other_id == viewer_id)
        .where(col(bridge.status) == ResidentStatus.active)
        .where(~blocks.block_between(owners_tie.resident_id, owners_tie.other_id))
        .where(~blocks.block_between(bridges_tie.resident_id, viewer_id))
    )
    owner, shared = _expression(owner_id), _expression(visibility)
    return or_(
        shared == Visibility.nearby,
        owner == viewer_id,
        and_(shared == Visibility.circle, owner.in_(held_by)),
        and_(
            shared == Visibility.circle_of_circle,
            or_(owner.in_(held_by), owner.in_(held_through_one)),
        ),
    )
