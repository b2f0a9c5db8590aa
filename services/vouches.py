"""Vouches: "I know this person in person". Revoking keeps the history; a connector's counts
more; the note is for connectors only."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import Page, utcnow
from models.neighbourhoods import NeighbourhoodConnector
from models.residents import Resident, ResidentStatus
from models.ties import TieKind
from models.trust import ResidentRef
from models.vouches import Vouch, VouchPublic, VouchRecord
from services import blocks, pairs, ties
from services.errors import InvalidInput, NotFound
from services.posts import FeedKey, paginate

HISTORY_SHOWN = 20


def _public(vouch: Vouch, vouchee: Resident) -> VouchPublic:
    return VouchPublic(
        id=vouch.id,
        resident=ResidentRef(id=vouchee.id, display_name=vouchee.display_name),
        by_connector=vouch.by_connector,
        note=vouch.note,
        created_at=vouch.created_at,
    )


async def _live(
    session: AsyncSession, voucher_id: uuid.UUID, vouchee_id: uuid.UUID
) -> Vouch | None:
    found = await session.exec(
        select(Vouch)
        .where(Vouch.voucher_id == voucher_id)
        .where(Vouch.vouchee_id == vouchee_id)
        .where(col(Vouch.revoked_at).is_(None))
    )
    return found.first()


async def is_connector(session: AsyncSession, resident_id: uuid.UUID) -> bool:
    found = await session.exec(
        select(NeighbourhoodConnector.neighbourhood_id).where(
            NeighbourhoodConnector.resident_id == resident_id
        )
    )
    return found.first() is not None


async def vouch(
    session: AsyncSession, voucher: Resident, vouchee_id: uuid.UUID, note: str
) -> VouchPublic:
    """Idempotent: vouching again for the same person returns the vouch already made."""
    if vouchee_id == voucher.id:
        raise InvalidInput("You cannot vouch for yourself.", field=("resident_id",))
    vouchee = await blocks.reachable(session, voucher.id, vouchee_id)
    await pairs.lock_pair(session, voucher.id, vouchee_id)
    existing = await _live(session, voucher.id, vouchee_id)
    if existing is not None:
        return _public(existing, vouchee)
    made = Vouch(
        voucher_id=voucher.id,
        vouchee_id=vouchee_id,
        by_connector=await is_connector(session, voucher.id),
        note=note,
    )
    try:
        async with session.begin_nested():
            session.add(made)
    except IntegrityError:  # the same vouch made twice at once: the other request won
        existing = await _live(session, voucher.id, vouchee_id)
        assert existing is not None
        return _public(existing, vouchee)
    await ties.record_tie(session, voucher.id, vouchee_id, TieKind.vouched, at=made.created_at)
    return _public(made, vouchee)


async def revoke(session: AsyncSession, voucher: Resident, vouch_id: uuid.UUID) -> None:
    made = await session.get(Vouch, vouch_id)
    if made is not None:  # read again under the pair's lock: one revoke counts once
        await pairs.lock_pair(session, made.voucher_id, made.vouchee_id)
        await session.refresh(made)
    if made is None or made.voucher_id != voucher.id or made.revoked_at is not None:
        raise NotFound("No such vouch.")
    await revoke_made(session, made)


async def revoke_made(session: AsyncSession, made: Vouch) -> None:
    """Revoke a live vouch: it stays in the history, and stops counting."""
    made.revoked_at = utcnow()
    session.add(made)
    await session.flush()
    await ties.withdraw_tie(session, made.voucher_id, made.vouchee_id, TieKind.vouched)


async def given(
    session: AsyncSession, voucher: Resident, cursor: str | None, limit: int
) -> Page[VouchPublic]:
    """The live vouches you have made, newest first, so you can revoke any of them."""
    rows = await session.exec(
        select(Vouch, Resident)
        .join(Resident, col(Resident.id) == Vouch.vouchee_id)
        .where(Vouch.voucher_id == voucher.id)
        .where(col(Vouch.revoked_at).is_(None))
        .where(Resident.status != ResidentStatus.erased)
    )
    page, next_cursor = paginate(
        ((FeedKey.of(0, v.created_at, v.id), _public(v, r)) for v, r in rows.all()), cursor, limit
    )
    return Page[VouchPublic](items=page, next_cursor=next_cursor)


async def history(session: AsyncSession, vouchee_id: uuid.UUID) -> list[VouchRecord]:
    """For connectors: the latest vouches for a resident, revoked ones included, notes and
    all."""
    rows = await session.exec(
        select(Vouch, Resident)
        .join(Resident, col(Resident.id) == Vouch.voucher_id)
        .where(Vouch.vouchee_id == vouchee_id)
        .order_by(col(Vouch.created_at).desc(), col(Vouch.id))
        .limit(HISTORY_SHOWN)
    )
    return [
        VouchRecord(
            id=v.id,
            voucher=ResidentRef(id=r.id, display_name=r.display_name),
            by_connector=v.by_connector,
            note=v.note,
            created_at=v.created_at,
            revoked_at=v.revoked_at,
        )
        for v, r in rows.all()
    ]
