"""One writer at a time for anything between two residents: asks, answers, vouches, blocks.

Without it, READ COMMITTED lets a block and an accept (or two asks from both sides) each
miss the other's uncommitted write.
"""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from services import locks


async def lock_pair(session: AsyncSession, a: uuid.UUID, b: uuid.UUID) -> None:
    low, high = sorted((a, b))
    await locks.hold(session, b"pair", low.bytes, high.bytes)
