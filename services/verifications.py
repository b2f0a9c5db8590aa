"""Verifications in force: issued, and not yet expired. (Recording them is a connector's
job, in the moderation work.)"""

import uuid
from collections.abc import Collection, Iterable
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, bindparam, or_
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditAction
from models.base import utcnow
from models.residents import Resident
from models.verifications import (
    BADGE_LABELS,
    Badge,
    Verification,
    VerificationKind,
    VerificationRecord,
    VerificationsPublic,
)
from services import audit, authority, bulk
from services.errors import InvalidInput


@cache
def _in_force(dialect: str) -> Any:
    """Built once per dialect: it runs for every candidate list."""
    on: BindParameter[date] = bindparam("on")
    return (
        select_columns(
            col(Verification.resident_id), col(Verification.kind), col(Verification.expires_on)
        )
        .where(bulk.among_bound(dialect, Verification.resident_id, "residents"))
        .where(col(Verification.issued_on) <= on)
        .where(or_(col(Verification.expires_on).is_(None), col(Verification.expires_on) >= on))
    )


async def current(
    session: AsyncSession, resident_ids: Collection[uuid.UUID], at: datetime
) -> dict[uuid.UUID, dict[VerificationKind, date | None]]:
    """Per resident, each kind in force and when it lapses (None: never)."""
    connection = await session.connection()  # core rows: it runs for every candidate list
    rows = await connection.execute(
        _in_force(bulk.dialect(session)), {"residents": list(resident_ids), "on": at.date()}
    )
    return folded(rows.all())


def folded(
    in_force: Iterable[tuple[uuid.UUID, VerificationKind, date | None]],
) -> dict[uuid.UUID, dict[VerificationKind, date | None]]:
    """Checks in force (resident, kind, expires_on) as, per resident, each kind and when it
    lapses: the longest-lasting check of a kind wins."""
    found: dict[uuid.UUID, dict[VerificationKind, date | None]] = {}
    for resident_id, kind, expires_on in in_force:
        kinds = found.setdefault(resident_id, {})
        if kind not in kinds or _lasts_longer(expires_on, kinds[kind]):
            kinds[kind] = expires_on
    return found


def _lasts_longer(a: date | None, b: date | None) -> bool:
    return b is not None and (a is None or a > b)


def badges(kinds: dict[VerificationKind, date | None]) -> list[Badge]:
    return [
        Badge(kind=kind, label=BADGE_LABELS[kind], expires_on=kinds[kind]) for kind in sorted(kinds)
    ]


async def record(
    session: AsyncSession, actor: Resident, subject_id: uuid.UUID, data: VerificationRecord
) -> VerificationsPublic:
    """Record (or correct) the check of this kind; audited. By a connector of the resident's
    neighbourhood, or an admin."""
    subject, where = await authority.over_resident(session, actor, subject_id)
    today = utcnow().date()
    if data.issued_on > today:
        raise InvalidInput("issued_on is in the future.", field=("issued_on",))
    existing = (
        await session.exec(
            select(Verification)
            .where(Verification.resident_id == subject.id, Verification.kind == data.kind)
            .order_by(col(Verification.created_at).desc())
        )
    ).first()
    before = _dates(existing)
    if existing is None:
        existing = Verification(resident_id=subject.id, kind=data.kind, issued_on=data.issued_on)
    existing.issued_on, existing.expires_on = data.issued_on, data.expires_on
    existing.verified_by = actor.id
    session.add(existing)
    await audit.record(
        session, actor, AuditAction.verification_recorded, "resident", subject.id,
        neighbourhood_id=where, before=before, after=_dates(existing), reason=data.note,
    )  # fmt: skip
    await session.flush()
    in_force = await current(session, [subject.id], utcnow())
    return VerificationsPublic(resident_id=subject.id, badges=badges(in_force.get(subject.id, {})))


def _dates(check: Verification | None) -> dict[str, object] | None:
    if check is None:
        return None
    return {
        "kind": check.kind.value,
        "issued_on": check.issued_on.isoformat(),
        "expires_on": check.expires_on.isoformat() if check.expires_on else None,
    }
