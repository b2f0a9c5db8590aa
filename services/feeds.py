"""The nearby feed and the owner's list, shared by offers and requests.

Hot path: it reads plain columns filtered by indexed cell ids, decides reach and order in
bulk in Python, and loads full rows only for the one page it returns.
"""

import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import String, Uuid, bindparam
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import UTCDateTime, utcnow
from models.offers import Offer
from models.requests import HelpRequest
from models.residents import Resident, ResidentStatus
from services import blocks, circles
from services.posts import FeedKey, Reach, paginate, viewer_cell

Post = Offer | HelpRequest
PostModel = type[Offer] | type[HelpRequest]


async def _load(
    session: AsyncSession, model: PostModel, ids: Sequence[uuid.UUID]
) -> list[tuple[Any, Resident]]:
    if not ids:
        return []
    rows = await session.exec(
        select(model, Resident)
        .join(Resident, col(Resident.id) == model.owner_id)
        .where(col(model.id).in_(ids))
    )
    by_id = {cast(Post, post).id: (post, owner) for post, owner in rows.all()}
    return [by_id[i] for i in ids if i in by_id]


# The feed's filter is built once per kind of post, with the viewer, the time and the cells
# left as parameters: building its block and audience subqueries afresh for every request
# cost more than running them (profiled under load: a tenth of a candidates request).
VIEWER = bindparam("viewer", type_=Uuid())
NOW = bindparam("now", type_=UTCDateTime())
CELLS = bindparam("cells", expanding=True, type_=String())


@cache
def _shown_nearby(model: PostModel) -> tuple[ColumnElement[bool], ...]:
    """What a post in the viewer's feed satisfies (besides being live, and `reach.reaches`);
    the query must join the owner as `Resident`, and bind `_nearby_params`."""
    return (
        col(model.cell).in_(CELLS),
        col(model.expires_at) > NOW,
        col(model.owner_id) != VIEWER,
        col(Resident.status) == ResidentStatus.active,
        blocks.not_hidden_from(VIEWER, model.owner_id),
        circles.audience_holds(VIEWER, model.visibility, model.owner_id),
    )


def _nearby_params(viewer: Resident, reach: Reach) -> dict[str, Any]:
    return {"viewer": viewer.id, "now": utcnow(), "cells": sorted(reach.cells)}


async def nearby(
    session: AsyncSession,
    model: PostModel,
    viewer: Resident,
    reach: Reach,
    conditions: Sequence[ColumnElement[bool]],
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[Any, Resident]], str | None]:
    """Posts in reach of the viewer: not theirs, live, from active residents on neither side
    of a block with them, shared with an audience that holds them; nearest bucket first,
    then newest."""
    rows = await session.exec(
        select(model.id, model.cell, model.radius_m, model.created_at)
        .join(Resident, col(Resident.id) == model.owner_id)
        .where(*_shown_nearby(model), *conditions),
        params=_nearby_params(viewer, reach),
    )
    keyed = [
        (FeedKey.of(reach.bucket(cell), created_at, post_id), post_id)
        for post_id, cell, radius_m, created_at in rows.all()
        if reach.reaches(cell, radius_m)
    ]
    ids, next_cursor = paginate(keyed, cursor, limit)
    return await _load(session, model, ids), next_cursor


async def shown_among(
    session: AsyncSession,
    model: PostModel,
    viewer: Resident,
    reach: Reach,
    live: ColumnElement[bool],
    ids: Sequence[uuid.UUID],
) -> list[tuple[Any, Resident]]:
    """Those of `ids` that the viewer's nearby feed shows, on any page (for sync)."""
    if not ids:
        return []
    rows = await session.exec(
        select(model.id, model.cell, model.radius_m)
        .join(Resident, col(Resident.id) == model.owner_id)
        .where(col(model.id).in_(ids), live, *_shown_nearby(model)),
        params=_nearby_params(viewer, reach),
    )
    shown = [post_id for post_id, cell, radius_m in rows.all() if reach.reaches(cell, radius_m)]
    return await _load(session, model, shown)


async def owned_among(
    session: AsyncSession, model: PostModel, owner: Resident, ids: Sequence[uuid.UUID]
) -> list[tuple[Any, Resident]]:
    """Those of `ids` that are the owner's own, in every state (for sync)."""
    if not ids:
        return []
    rows = await session.exec(
        select(model.id).where(col(model.id).in_(ids)).where(model.owner_id == owner.id)
    )
    return await _load(session, model, list(rows.all()))


async def mine(
    session: AsyncSession,
    model: PostModel,
    owner: Resident,
    conditions: Sequence[ColumnElement[bool]],
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[Any, Resident]], str | None]:
    """The owner's own posts in every state, newest first."""
    rows = await session.exec(
        select(model.id, model.created_at).where(model.owner_id == owner.id).where(*conditions)
    )
    keyed = [(FeedKey.of(0, created_at, post_id), post_id) for post_id, created_at in rows.all()]
    ids, next_cursor = paginate(keyed, cursor, limit)
    return await _load(session, model, ids), next_cursor


async def browse(
    session: AsyncSession,
    model: PostModel,
    viewer: Resident,
    *,
    within_m: int,
    mine_only: bool,
    live: ColumnElement[bool],
    conditions: Sequence[ColumnElement[bool]],
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[Any, Resident]], str | None]:
    """The viewer's own posts (every state) with `mine_only`, else the live ones in reach."""
    if mine_only:
        return await mine(session, model, viewer, conditions, cursor, limit)
    reach = Reach(viewer_cell(viewer), within_m)
    return await nearby(session, model, viewer, reach, [*conditions, live], cursor, limit)
