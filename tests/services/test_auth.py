"""Refresh-token races, driven step by step on two real connections."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from api.db import Database
from api.migrate import upgrade
from models.residents import Resident
from services import auth
from services.auth import RefreshTokenReused, TokenSettings
from services.errors import Unauthenticated
from tests.databases import fresh_database

TOKENS = TokenSettings("s" * 40, timedelta(minutes=15), timedelta(days=30))


async def test_a_refresh_blocked_behind_a_revocation_cannot_revive_the_sign_in(
    tmp_path: Path,
) -> None:
    """The victim replays spent token T1 (revoking the family) while the thief's refresh of
    T2 waits on the same rows. Once the revocation commits, the thief must get nothing."""
    async with fresh_database(tmp_path) as url:
        await upgrade(url)
        database = Database.connect(url)
        try:
            async with database.transaction() as session:
                resident = Resident(email="victim@example.org", display_name="V", password_hash="-")
                session.add(resident)
                await session.flush()
                t1 = await auth.issue_tokens(session, TOKENS, resident.id)
            async with database.transaction() as session:
                t2 = await auth.refresh(session, TOKENS, t1.refresh_token)

            async def thief_refreshes() -> object:
                async with database.transaction() as thief:
                    return await auth.refresh(thief, TOKENS, t2.refresh_token)

            async with database.transaction() as victim:
                with pytest.raises(RefreshTokenReused):
                    await auth.refresh(victim, TOKENS, t1.refresh_token)
                racing = asyncio.create_task(thief_refreshes())
                await asyncio.sleep(0.3)  # the thief is now waiting on the victim's locks
            with pytest.raises(Unauthenticated):
                await racing
        finally:
            await database.engine.dispose()
