"""Run a create at most once per Idempotency-Key, so a phone that retries on a bad
connection never posts the same thing twice."""

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.idempotency import IdempotencyRecord
from services.errors import Conflict, InvalidInput

Result = TypeVar("Result", bound=BaseModel)
KEY_LIFETIME = timedelta(hours=24)


def fingerprint(body: BaseModel) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


async def once(
    session: AsyncSession,
    resident_id: uuid.UUID,
    key: str | None,
    operation: str,
    body: BaseModel,
    make: Callable[[], Awaitable[Result]],
    result_type: type[Result],
) -> tuple[Result, bool]:
    """`make()`'s result, or the stored result of an earlier call with the same key.

    Returns (result, replayed). The record is written in the same transaction as the create,
    so a create that fails leaves no record and may be retried with the same key.
    """
    if key is None:
        return await make(), False
    request_print = fingerprint(body)
    found = await session.exec(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.resident_id == resident_id)
        .where(IdempotencyRecord.key == key)
    )
    record = found.first()
    if record is not None and record.created_at <= utcnow() - KEY_LIFETIME:
        await session.delete(record)  # an expired key is a new key
        await session.flush()
        record = None
    if record is not None:
        if record.operation != operation or record.fingerprint != request_print:
            raise InvalidInput(
                "This Idempotency-Key was already used for a different request; use a new key "
                "for a new request.",
                field=("header", "Idempotency-Key"),
            )
        return result_type.model_validate(record.response), True
    result = await make()
    session.add(
        IdempotencyRecord(
            resident_id=resident_id,
            key=key,
            operation=operation,
            fingerprint=request_print,
            response=result.model_dump(mode="json"),
        )
    )
    try:
        await session.flush()
    except IntegrityError as exc:
        # The same key arrived twice at once: the other request is doing the work.
        raise Conflict(
            "A request with this Idempotency-Key is already being handled; retry shortly."
        ) from exc
    return result, False


async def prune(session: AsyncSession, now: datetime) -> int:
    """Forget keys past their 24 hours (run by the periodic jobs)."""
    result = await session.exec(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) <= now - KEY_LIFETIME)
    )
    return int(result.rowcount or 0)
