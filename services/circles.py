"""Circles: whom a resident has ties with, and who may see a post shared only with a circle."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page
from models.posts import Visibility
from models.residents import Resident, ResidentStatus
from models.ties import CircleMember, Tie
from services import blocks, ties
from services.posts import FeedKey, decode_cursor, encode_cursor


async def circle(
    session: AsyncSession,
    viewer: Resident,
    decay: ties.Decay,
    cursor: str | None,
    limit: int,
) -> Page[CircleMember]:
    """The viewer's ties, strongest first. Someone blocked either way is not listed."""
    rows = await session.exec(
        select(Tie)
        .join(Resident, col(Resident.id) == Tie.other_id)
        .where(Tie.resident_id == viewer.id)
        .where(Resident.status == ResidentStatus.active)
        .where(blocks.not_hidden_from(viewer.id, Tie.other_id))
    )
    summaries = ties.summarise(rows.all(), decay, ties.today())
    # Strongest first; the cursor key reuses the feed's (bucket, number, id) shape.
    keyed = sorted(
        (FeedKey(0, -round(s.strength, 6), f"{other}"), other) for other, s in summaries.items()
    )
    if cursor is not None:
        after = decode_cursor(cursor)
        keyed = [entry for entry in keyed if entry[0] > after]
    page = keyed[:limit]
    names = await _names(session, [other for _, other in page])
    return Page[CircleMember](
        items=[
            CircleMember(
                id=other,
                display_name=names[other],
                kinds=summaries[other].kinds,
                strength=round(summaries[other].strength, 3),
                since=summaries[other].since,
            )
            for _, other in page
        ],
        next_cursor=encode_cursor(page[-1][0]) if len(keyed) > limit else None,
    )


async def _names(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.exec(
        select(Resident.id, Resident.display_name).where(col(Resident.id).in_(ids))
    )
    return dict(rows.all())


def audience_holds(viewer_id: uuid.UUID, visibility: Any, owner_id: Any) -> ColumnElement[bool]:
    """A filter on a post's columns: the viewer is in the audience it was shared with. The
    circle sets are uncorrelated subqueries, so each is built once per query, not per post."""
    mine = aliased(Tie)
    theirs = aliased(Tie)
    circle = select(Tie.other_id).where(Tie.resident_id == viewer_id)
    circle_of_circle = (
        select(theirs.other_id)
        .join(mine, col(mine.other_id) == theirs.resident_id)
        .where(mine.resident_id == viewer_id)
    )
    owner = col(owner_id)
    return or_(
        col(visibility) == Visibility.nearby,
        owner == viewer_id,
        and_(col(visibility) == Visibility.circle, owner.in_(circle)),
        and_(
            col(visibility) == Visibility.circle_of_circle,
            or_(owner.in_(circle), owner.in_(circle_of_circle)),
        ),
    )
