"""Blocks: silent and two-way, applied wherever residents or their posts are shown."""

import uuid
from typing import Any

from sqlalchemy import and_, delete, exists, literal, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.residents import Resident, ResidentStatus
from models.ties import TieKind
from models.trust import Block, BlockPublic, Connection, ConnectionStatus
from models.vouches import Vouch
from services import changes, pairs, ties
from services.errors import InvalidInput, NotFound
from services.posts import FeedKey, paginate


def not_hidden_from(viewer_id: Any, resident: Any) -> ColumnElement[bool]:
    """A filter on a resident-id column: neither side of a block, in either direction.
    `viewer_id` is an id, or a bound parameter standing for one."""
    blocked_by_viewer = select(Block.blocked_id).where(Block.blocker_id == viewer_id)
    blocking_viewer = select(Block.blocker_id).where(Block.blocked_id == viewer_id)
    return and_(col(resident).not_in(blocked_by_viewer), col(resident).not_in(blocking_viewer))


def block_between(a: Any, b: Any) -> ColumnElement[bool]:
    """True where a block stands between `a` and `b` (ids or columns), in either direction."""
    return exists().where(
        or_(
            (col(Block.blocker_id) == a) & (col(Block.blocked_id) == b),
            (col(Block.blocker_id) == b) & (col(Block.blocked_id) == a),
        )
    )


async def blocked_either_way(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> bool:
    found = await session.exec(select(literal(True)).where(block_between(a, b)))
    return found.first() is not None


async def reachable(session: AsyncSession, viewer_id: uuid.UUID, other_id: uuid.UUID) -> Resident:
    """Another active resident the viewer may deal with. A block gets the same answer as an
    account that is gone, so nothing tells the two apart."""
    other = await session.get(Resident, other_id)
    if (
        other is None
        or other.status != ResidentStatus.active
        or await blocked_either_way(session, viewer_id, other_id)
    ):
        raise NotFound("No such resident.")
    return other


async def block(session: AsyncSession, blocker: Resident, blocked_id: uuid.UUID) -> BlockPublic:
    """Idempotent; the blocked person is never told."""
    if blocked_id == blocker.id:
        raise InvalidInput("You cannot block yourself.", field=("resident_id",))
    blocked = await session.get(Resident, blocked_id)
    if blocked is None or blocked.status == ResidentStatus.erased:
        raise NotFound("No such resident.")
    await pairs.lock_pair(session, blocker.id, blocked_id)
    existing = await session.get(Block, (blocker.id, blocked_id))
    if existing is None:
        existing = Block(blocker_id=blocker.id, blocked_id=blocked_id)
        try:
            async with session.begin_nested():
                session.add(existing)
        except IntegrityError:  # blocked twice at once: the other request did it
            existing = await session.get(Block, (blocker.id, blocked_id))
            assert existing is not None
        else:
            await _sever(session, blocker.id, blocked_id)
            changes.note_tie(session, blocker.id, blocked_id)  # each now hides the other
    return BlockPublic(
        resident_id=blocked_id, display_name=blocked.display_name, created_at=existing.created_at
    )


async def _sever(session: AsyncSession, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None:
    """A block ends what joins the two by choice: their connection, the blocker's asks and
    vouch. An ask from the blocked person is declined, silently as every decline is, so it
    stays "pending" in their view until it lapses. Unblocking restores none of it."""
    by_blocker = (col(Connection.requester_id) == blocker_id) & (
        col(Connection.addressee_id) == blocked_id
    )
    by_blocked = (col(Connection.requester_id) == blocked_id) & (
        col(Connection.addressee_id) == blocker_id
    )
    between = or_(by_blocker, by_blocked)
    ended = await session.exec(
        update(Connection)
        .where(between, col(Connection.status) == ConnectionStatus.accepted)
        .values(status=ConnectionStatus.ended, responded_at=utcnow())
    )
    if ended.rowcount:
        await ties.withdraw_tie(session, blocker_id, blocked_id, TieKind.connected)
    now = utcnow()
    await session.exec(
        update(Connection)
        .where(by_blocker, col(Connection.status) == ConnectionStatus.pending)
        .values(status=ConnectionStatus.withdrawn, responded_at=now)
    )
    await session.exec(
        update(Connection)
        .where(by_blocked, col(Connection.status) == ConnectionStatus.pending)
        .values(status=ConnectionStatus.declined, responded_at=now, declined_at=now)
    )
    revoked = await session.exec(
        update(Vouch)
        .where(col(Vouch.voucher_id) == blocker_id, col(Vouch.vouchee_id) == blocked_id)
        .where(col(Vouch.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    if revoked.rowcount:
        await ties.withdraw_tie(session, blocker_id, blocked_id, TieKind.vouched)


async def unblock(session: AsyncSession, blocker: Resident, blocked_id: uuid.UUID) -> None:
    removed = await session.exec(
        delete(Block)
        .where(col(Block.blocker_id) == blocker.id)
        .where(col(Block.blocked_id) == blocked_id)
    )
    if removed.rowcount != 1:
        raise NotFound("You have not blocked that resident.")
    changes.note_tie(session, blocker.id, blocked_id)


async def my_blocks(
    session: AsyncSession, blocker: Resident, cursor: str | None, limit: int
) -> Page[BlockPublic]:
    """The residents you blocked, newest first, so you can undo any of them."""
    rows = await session.exec(
        select(Block.blocked_id, Resident.display_name, Block.created_at)
        .join(Resident, col(Resident.id) == Block.blocked_id)
        .where(Block.blocker_id == blocker.id)
    )
    page, next_cursor = paginate(
        (
            (FeedKey.of(0, at, rid), BlockPublic(resident_id=rid, display_name=name, created_at=at))
            for rid, name, at in rows.all()
        ),
        cursor,
        limit,
    )
    return Page[BlockPublic](items=page, next_cursor=next_cursor)
