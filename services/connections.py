"""Connections: one resident asks, the other accepts or declines. Consent both ways.

Choice without penalty: a decline is never shown to the asker (their ask stays "pending" and
lapses like an unanswered one), and the same person cannot ask again for 90 days.
"""

import uuid
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.residents import Resident, ResidentStatus
from models.ties import TieKind
from models.trust import (
    Connection,
    ConnectionKind,
    ConnectionPublic,
    ConnectionStatus,
    ResidentRef,
)
from services import blocks, ties
from services.errors import Conflict, InvalidInput, NotFound
from services.posts import FeedKey, decode_cursor, encode_cursor

ASK_LIFETIME = timedelta(days=30)
QUIET_AFTER_DECLINE = timedelta(days=90)


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
    if addressee_id == asker.id:
        raise InvalidInput("You cannot connect with yourself.", field=("resident_id",))
    addressee = await session.get(Resident, addressee_id)
    if addressee is None or addressee.status != ResidentStatus.active:
        raise NotFound("No such resident.")
    now = utcnow()
    blocked = await blocks.blocked_either_way(session, asker.id, addressee_id)
    found = await session.exec(
        select(Connection)
        .where(_between(asker.id, addressee_id))  # type: ignore[arg-type]
        .order_by(col(Connection.created_at).desc())
    )
    for earlier in found.all():
        if earlier.status == ConnectionStatus.accepted:
            raise Conflict("You are already connected.")
        live = earlier.status == ConnectionStatus.pending and earlier.expires_at > now
        if live and earlier.requester_id == addressee_id and not blocked:
            # They asked first: asking back is saying yes.
            return await accept(session, asker, earlier.id)
        if live and earlier.requester_id == asker.id:
            return _view(earlier, asker.id, addressee)
        quiet = (
            earlier.status == ConnectionStatus.declined
            and earlier.requester_id == asker.id
            and earlier.responded_at is not None
            and earlier.responded_at > now - QUIET_AFTER_DECLINE
        )
        if quiet:
            # No pestering, and no telling: the asker sees what an unanswered ask looks like.
            earlier.expires_at = max(earlier.expires_at, now + ASK_LIFETIME)
            return _view(earlier, asker.id, addressee)
    await session.exec(
        update(Connection)
        .where(col(Connection.requester_id) == asker.id)
        .where(col(Connection.addressee_id) == addressee_id)
        .where(col(Connection.status) == ConnectionStatus.pending)
        .values(status=ConnectionStatus.expired)
    )  # only lapsed ones are left pending here: the live one was returned above
    connection = Connection(
        requester_id=asker.id,
        addressee_id=addressee_id,
        message=message,
        expires_at=now + ASK_LIFETIME,
    )
    try:
        async with session.begin_nested():
            session.add(connection)
    except IntegrityError:  # the same ask sent twice at once: answer with the one that won
        winner = await session.exec(
            select(Connection)
            .where(Connection.requester_id == asker.id)
            .where(Connection.addressee_id == addressee_id)
            .where(Connection.status == ConnectionStatus.pending)
        )
        return _view(winner.one(), asker.id, addressee)
    return _view(connection, asker.id, addressee)


async def _incoming_pending(
    session: AsyncSession, addressee: Resident, connection_id: uuid.UUID
) -> Connection:
    # Locked: a double-tapped "accept" waits for the first and then finds it answered.
    connection = await session.get(Connection, connection_id, with_for_update=True)
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
    if already.first() is not None:  # they had asked each other at once
        raise Conflict("You are already connected.")
    connection.status = ConnectionStatus.accepted
    connection.responded_at = utcnow()
    session.add(connection)
    await session.flush()
    await ties.record_tie(
        session,
        connection.requester_id,
        addressee.id,
        TieKind.connected,
        at=connection.responded_at,
    )
    requester = await session.get(Resident, connection.requester_id)
    assert requester is not None
    return _view(connection, addressee.id, requester)


async def decline(session: AsyncSession, addressee: Resident, connection_id: uuid.UUID) -> None:
    connection = await _incoming_pending(session, addressee, connection_id)
    connection.status = ConnectionStatus.declined
    connection.responded_at = utcnow()
    session.add(connection)
    await session.flush()


async def remove(session: AsyncSession, party: Resident, connection_id: uuid.UUID) -> None:
    """Withdraw your own ask, or end a connection from either side."""
    connection = await session.get(Connection, connection_id, with_for_update=True)
    mine = connection is not None and party.id in (
        connection.requester_id,
        connection.addressee_id,
    )
    if connection is None or not mine:
        raise NotFound("No such connection.")
    if connection.status == ConnectionStatus.accepted:
        connection.status = ConnectionStatus.ended
        await ties.withdraw_tie(
            session, connection.requester_id, connection.addressee_id, TieKind.connected
        )
    elif connection.status == ConnectionStatus.pending and connection.requester_id == party.id:
        connection.status = ConnectionStatus.withdrawn
    elif connection.status == ConnectionStatus.declined and connection.requester_id == party.id:
        pass  # withdrawing an ask that was (unknown to them) declined: nothing to change
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
        shown = col(Connection.status).in_([ConnectionStatus.pending, ConnectionStatus.declined])
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
    keyed = sorted(((FeedKey.of(0, c.created_at, c.id), c, r) for c, r in rows), key=lambda e: e[0])
    if cursor is not None:
        after = decode_cursor(cursor)
        keyed = [entry for entry in keyed if entry[0] > after]
    page = keyed[:limit]
    return Page[ConnectionPublic](
        items=[_view(c, viewer.id, r) for _, c, r in page],
        next_cursor=encode_cursor(page[-1][0]) if len(keyed) > limit else None,
    )
