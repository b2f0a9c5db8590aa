"""Verifications in force: issued, and not yet expired. (Recording them is a connector's
job, in the moderation work.)"""

import uuid
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.verifications import BADGE_LABELS, Badge, Verification, VerificationKind
from services import bulk


async def current(
    session: AsyncSession, resident_ids: Collection[uuid.UUID], at: datetime
) -> dict[uuid.UUID, dict[VerificationKind, date | None]]:
    """Per resident, each kind in force and when it lapses (None: never)."""
    rows = await session.exec(
        select(Verification)
        .where(bulk.among(session, Verification.resident_id, resident_ids))
        .where(col(Verification.issued_on) <= at.date())
        .where(
            or_(col(Verification.expires_on).is_(None), col(Verification.expires_on) >= at.date())
        )
    )
    found: dict[uuid.UUID, dict[VerificationKind, date | None]] = {}
    for check in rows.all():
        kinds = found.setdefault(check.resident_id, {})
        if check.kind not in kinds or _lasts_longer(check.expires_on, kinds[check.kind]):
            kinds[check.kind] = check.expires_on
    return found


def _lasts_longer(a: date | None, b: date | None) -> bool:
    return b is not None and (a is None or a > b)


def badges(kinds: dict[VerificationKind, date | None]) -> list[Badge]:
    return [
        Badge(kind=kind, label=BADGE_LABELS[kind], expires_on=kinds[kind]) for kind in sorted(kinds)
    ]
