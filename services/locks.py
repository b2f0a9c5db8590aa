"""Transaction-scoped locks on a name, for writes that must not interleave (a pair's asks, an
occurrence's last place). PostgreSQL advisory locks; SQLite already admits one writer."""

import hashlib

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession


def _key(parts: tuple[bytes, ...]) -> int:
    digest = hashlib.blake2b(b"\x00".join(parts), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def hold(session: AsyncSession, *parts: bytes) -> None:
    """Held until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        connection = await session.connection()
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key(parts)})
