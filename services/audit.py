"""Writing to and reading the audit log. Writing only ever inserts."""

import uuid
from typing import Any

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditAction, AuditEntry, AuditEntryPublic
from models.base import Page, utcnow
from models.neighbourhoods import NeighbourhoodConnector
from models.residents import Resident
from services import names
from services.posts import decode_time_cursor, encode_time_cursor


async def record(
    session: AsyncSession,
    actor: Resident,
    action: AuditAction,
    subject_type: str,
    subject_id: uuid.UUID,
    *,
    neighbourhood_id: uuid.UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor.id,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            neighbourhood_id=neighbourhood_id,
            before=before,
            after=after,
            reason=reason[:1000],
        )
    )


def redact(
    entry: AuditEntry,
    reason: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """The one change the log allows (the database refuses any other): an erased resident's
    name and email taken out of an entry's words, marked with a new `redacted_at`. Its ids,
    action and time never change."""
    entry.reason, entry.before, entry.after = reason[:1000], before, after
    entry.redacted_at = utcnow()


async def entries(
    session: AsyncSession, viewer: Resident, cursor: str | None, limit: int
) -> Page[AuditEntryPublic]:
    """Newest first. Admins see everything; connectors, their neighbourhoods' entries."""
    query = select(AuditEntry)
    if not viewer.is_admin:
        theirs = select(NeighbourhoodConnector.neighbourhood_id).where(
            NeighbourhoodConnector.resident_id == viewer.id
        )
        query = query.where(col(AuditEntry.neighbourhood_id).in_(theirs))
    if cursor is not None:
        at, last = decode_time_cursor(cursor)
        query = query.where(
            or_(
                col(AuditEntry.at) < at,
                (col(AuditEntry.at) == at) & (col(AuditEntry.id) < last),
            )
        )
    rows = (
        await session.exec(
            query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit + 1)
        )
    ).all()
    page = rows[:limit]
    known = await names.names(session, {e.actor_id for e in page if e.actor_id})
    next_cursor = encode_time_cursor(page[-1].at, page[-1].id) if len(rows) > limit else None
    return Page[AuditEntryPublic](
        items=[
            AuditEntryPublic(
                id=e.id,
                at=e.at,
                actor=names.ref(e.actor_id, known) if e.actor_id else None,
                action=e.action,
                subject_type=e.subject_type,
                subject_id=e.subject_id,
                neighbourhood_id=e.neighbourhood_id,
                before=e.before,
                after=e.after,
                reason=e.reason,
                redacted_at=e.redacted_at,
            )
            for e in page
        ],
        next_cursor=next_cursor,
    )
