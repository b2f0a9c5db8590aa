"""Notifications stored in bulk: a crisis tells a whole neighbourhood at once."""

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import new_id
from models.notifications import NotificationKind
from models.residents import Resident
from services import notifications


async def test_a_whole_neighbourhood_is_told_once_past_a_statements_argument_limit(
    session: AsyncSession,
) -> None:
    # 5,000 notices of 7 values each is past the 32,767 arguments asyncpg takes in one
    # statement (PostgreSQL refused it before notices were stored in chunks).
    people = [new_id() for _ in range(5000)]
    await session.exec(
        insert(Resident),
        params=[
            {"id": p, "email": f"{p}@example.org", "display_name": "N", "password_hash": "-"}
            for p in people
        ],
    )

    told = await notifications.notify(
        session, people, NotificationKind.crisis_started, "crisis:x", "Crisis mode is on", {}
    )
    again = await notifications.notify(
        session, people, NotificationKind.crisis_started, "crisis:x", "Crisis mode is on", {}
    )

    assert (told, again) == (5000, 0)
