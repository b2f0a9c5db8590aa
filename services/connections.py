"""Connections: one resident asks, the other accepts or declines. Consent both ways.

Choice without penalty: a decline is never shown to the asker (their ask stays "pending" and
lapses like an unanswered one), and the same person cannot ask again for 90 days.
"""

import uuid
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.notifications import NotificationKind
from models.residents import Resident, ResidentStatus
from models.ties import TieKind
from models.trust import (
    Connection,
    ConnectionKind,
    ConnectionPublic,
    ConnectionStatus,
    ResidentRef,
)
from services import blocks, notifications, pairs, ties
from services.errors import Conflict, InvalidInput, NotFound
from services.posts import FeedKey, paginate

ASK_LIFETIME = timedelta(days=30)
QUIET_AFTER_DECLINE = timedelta(days=90)
PENDING = ConnectionStatus.pending
# What the asker sees as "pending": a no is never shown to them.
SEEN_AS_PENDING = (ConnectionStatus.pending, ConnectionStatus.declined)


def _between(a: uuid.UUID, b: uuid.UUID) -> object:
    return or_(
        (col(Connection.requester_id) == a) & (col(Connection.addressee_id) == b),
        (col(Connection.requester_id) == b) & (col(Connection.addressee_id) == a),
    )


def _view(connection: Connection, viewer_id: uuid.UUID, other: Resident) -> ConnectionPublic:
    accepted = connection.status == ConnectionStatus.accepted
    return ConnectionPublic(
        id=connection.id,
        other=ResidentRef(id=other.id, display_name=other.display_name),
        direction="outgoing" if connection.requester_id == viewer_id else "incoming",
        status="accepted" if accepted else "pending",
        message=connection.message,
        created_at=connection.created_at,
        expires_at=None if accepted else connection.expires_at,
    )


async def ask(
    session: AsyncSession, asker: Resident, addressee_id: uuid.UUID, message: str
) -> ConnectionPublic:
    """Idempotent. Someone blocked either way gets the same answer as for an account that is
    gone, as their profile does: nothing tells a block from a departure."""
    if addressee_id == asker.id:
        raise InvalidInput("You cannot connect with yourself.", field=("resident_id",))
    addressee = await blocks.reachable(session, asker.id, addressee_id)
    await pairs.lock_pair(session, asker.id, addressee_id)
    now = utcnow()
    found = await session.exec(
        select(Connection)
        .where(_between(asker.id, addressee_id))  # type: ignore[arg-type]
        .order_by(col(Connection.created_at).desc(), col(Connection.id).desc())
        .execution_options(populate_existing=True)
    )
    quiet_since = None
    for earlier in found.all():
        if earlier.status == ConnectionStatus.accepted:
            return _view(earlier, asker.id, addressee)  # already connected: nothing to do
        if earlier.status == ConnectionStatus.ended:
            break  # what came before a connection that has ended no longer counts
        live = earlier.expires_at > now
        if live and earlier.requester_id == asker.id and earlier.status in SEEN_AS_PENDING:
            return _view(earlier, asker.id, addressee)  # declined or not, it looks the same
        if live and earlier.requester_id == addressee_id and earlier.status == PENDING:
            return await accept(session, asker, earlier.id)  # they asked first: this is a yes
        declined = earlier.declined_at
        if earlier.requester_id == asker.id and declined and declined > now - QUIET_AFTER_DECLINE:
            quiet_since = quiet_since or declined
    await session.exec(
        update(Connection)
        .where(col(Connection.requester_id) == asker.id)
        .where(col(Connection.addressee_id) == addressee_id)
        .where(col(Connection.status) == ConnectionStatus.pending)
        .values(status=ConnectionStatus.expired)
    )  # only lapsed ones are left pending here: a live one was returned above
    connection = Connection(
        requester_id=asker.id,
        addressee_id=addressee_id,
        message=message,
        expires_at=now + ASK_LIFETIME,
    )
    if quiet_since is not None:
        # Inside the 90 days after a no: a new ask that looks pending to the asker, lapses
        # like any other, and never reaches the person who said no.
        connection.status = ConnectionStatus.declined
        connection.declined_at = connection.responded_at = quiet_since
    session.add(connection)
    await session.flush()
    if quiet_since is None:  # a quiet-period ask is never delivered, so never announced
        await notifications.notify(
            session, [addressee_id], NotificationKind.connection_ask,
            f"connection-ask:{connection.id}",
            f"{asker.display_name} would like to connect with you.",
            {"connection_id": str(connection.id), "resident_id": str(asker.id)},
        )  # fmt: skip
    return _view(connection, asker.id, addressee)


async def _locked(session: AsyncSession, connection_id: uuid.UUID) -> Connection | None:
    """The connection, read again under the pair's lock, so that a double tap (or an answer
    racing a block) finds what the first request left."""
    connection = await session.get(Connection, connection_id)
    if connection is None:
        return None
    await pairs.lock_pair(session, connection.requester_id, connection.addressee_id)
    await session.refresh(connection)
    return connection


async def _incoming_pending(
    session: AsyncSession, addressee: Resident, connection_id: uuid.UUID
) -> Connection:
    connection = await _locked(session, connection_id)
    if (
        connection is None
        or connection.addressee_id != addressee.id
        or connection.status != ConnectionStatus.pending
        or connection.expires_at <= utcnow()
        or await blocks.blocked_either_way(session, connection.requester_id, addressee.id)
    ):
        raise NotFound("No such ask.")
    return connection


async def accept(
    session: AsyncSession, addressee: Resident, connection_id: uuid.UUID
) -> ConnectionPublic:
    connection = await _incoming_pending(session, addressee, connection_id)
    already = await session.exec(
        select(Connection.id)
        .where(_between(connection.requester_id, addressee.id))  # type: ignore[arg-type]
        .where(Connection.status == ConnectionStatus.accepted)
    )
    if already.first() is not None:
        raise Conflict("You are already connected.")
    connection.status = ConnectionStatus.accepted
    connection.responded_at = utcnow()
    session.add(connection)
    await session.flush()
    requester_id = connection.requester_id
    at = connection.responded_at
    await ties.record_tie(session, requester_id, addressee.id, TieKind.connected, at=at)
    requester = await session.get(Resident, connection.requester_id)
    assert requester is not None
    return _view(connection, addressee.id, requester)


async def decline(session: AsyncSession, addressee: Resident, connection_id: uuid.UUID) -> None:
    connection = await _incoming_pending(session, addressee, connection_id)
    connection.status = ConnectionStatus.declined
    connection.declined_at = connection.responded_at = utcnow()
    session.add(connection)
    await session.flush()


async def remove(session: AsyncSession, party: Resident, connection_id: uuid.UUID) -> None:
    """Withdraw your own ask, or end a connection from either side."""
    connection = await _locked(session, connection_id)
    if connection is None or party.id not in (connection.requester_id, connection.addressee_id):
        raise NotFound("No such connection.")
    if connection.status == ConnectionStatus.accepted:
        connection.status = ConnectionStatus.ended
        await ties.withdraw_tie(
            session, connection.requester_id, connection.addressee_id, TieKind.connected
        )
    elif connection.requester_id == party.id and connection.status in SEEN_AS_PENDING:
        # A declined ask is withdrawn just like a pending one; `declined_at` stays, so the
        # 90 quiet days still hold.
        connection.status = ConnectionStatus.withdrawn
    else:
        raise NotFound("No such connection.")
    connection.responded_at = connection.responded_at or utcnow()
    session.add(connection)
    await session.flush()


async def listing(
    session: AsyncSession,
    viewer: Resident,
    kind: ConnectionKind,
    cursor: str | None,
    limit: int,
) -> Page[ConnectionPublic]:
    now = utcnow()
    query = select(Connection, Resident)
    if kind == ConnectionKind.incoming:
        query = (
            query.join(Resident, col(Resident.id) == Connection.requester_id)
            .where(Connection.addressee_id == viewer.id)
            .where(Connection.status == ConnectionStatus.pending)
            .where(col(Connection.expires_at) > now)
            .where(blocks.not_hidden_from(viewer.id, Connection.requester_id))
        )
    elif kind == ConnectionKind.outgoing:
        shown = col(Connection.status).in_(SEEN_AS_PENDING)
        query = (
            query.join(Resident, col(Resident.id) == Connection.addressee_id)
            .where(Connection.requester_id == viewer.id)
            .where(shown)
            .where(col(Connection.expires_at) > now)
        )
    else:
        query = query.join(
            Resident,
            or_(
                (col(Connection.requester_id) == viewer.id)
                & (col(Resident.id) == Connection.addressee_id),
                (col(Connection.addressee_id) == viewer.id)
                & (col(Resident.id) == Connection.requester_id),
            ),
        ).where(Connection.status == ConnectionStatus.accepted)
    rows = (await session.exec(query.where(Resident.status == ResidentStatus.active))).all()
    page, next_cursor = paginate(
        ((FeedKey.of(0, c.created_at, c.id), _view(c, viewer.id, r)) for c, r in rows),
        cursor,
        limit,
    )
    return Page[ConnectionPublic](items=page, next_cursor=next_cursor)
