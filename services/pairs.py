"""One writer at a time for anything between two residents: asks, answers, vouches, blocks.

Without it, READ COMMITTED lets a block and an accept (or two asks from both sides) each
miss the other's uncommitted write. SQLite already admits one writer at a time.
"""

import hashlib
import uuid

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession


def _key(a: uuid.UUID, b: uuid.UUID) -> int:
    low, high = sorted((a, b))
    digest = hashlib.blake2b(low.bytes + high.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_pair(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> None:
    """Held until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        connection = await session.connection()
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key(a, b)})
