"""Where a live stream stands: it starts from now, sends each notification once although
transactions commit out of time order, and resumes from a cursor without loss or repeats."""

import uuid
from datetime import datetime, timedelta

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.notifications import Notification, NotificationKind
from services import notification_stream
from services.errors import InvalidInput
from services.notification_stream import BACKLOG, OVERLAP, Position, catch_up, start
from tests.factories import resident_row


async def _stored(session: AsyncSession, resident_id: uuid.UUID, at: datetime, title: str) -> str:
    """A notification as a transaction that stamped it at `at` commits it."""
    session.add(
        Notification(
            resident_id=resident_id,
            kind=NotificationKind.match_update,
            dedupe_key=f"test:{uuid.uuid4()}",
            title=title,
            data={},
            created_at=at,
        )
    )
    await session.flush()
    return title


async def _titles(
    session: AsyncSession, resident_id: uuid.UUID, position: Position, now: datetime
) -> list[str]:
    return [n.title for n, _ in await catch_up(session, resident_id, position, now)]


async def test_a_stream_starts_from_now(session: AsyncSession) -> None:
    rosa = (await resident_row(session)).id
    now = utcnow()
    await _stored(session, rosa, now - timedelta(hours=2), "old")
    await _stored(session, rosa, now - timedelta(seconds=30), "just before")

    position = await start(session, rosa, now)
    before = await _titles(session, rosa, position, now)
    await _stored(session, rosa, now + timedelta(seconds=1), "new")
    after = await _titles(session, rosa, position, now + timedelta(seconds=2))
    again = await _titles(session, rosa, position, now + timedelta(seconds=3))

    assert (before, after, again) == ([], ["new"], [])


async def test_a_notification_committed_after_a_newer_one_is_still_sent_once(
    session: AsyncSession,
) -> None:
    rosa, other = (await resident_row(session)).id, (await resident_row(session)).id
    now = utcnow()
    position = await start(session, rosa, now)
    await _stored(session, rosa, now + timedelta(seconds=10), "quick")
    first = await _titles(session, rosa, position, now + timedelta(seconds=11))
    # Stamped before "quick" by a transaction that only commits now.
    await _stored(session, rosa, now + timedelta(seconds=2), "slow")
    await _stored(session, other, now + timedelta(seconds=3), "someone else's")
    second = await _titles(session, rosa, position, now + timedelta(seconds=20))
    third = await _titles(session, rosa, position, now + timedelta(seconds=30))

    assert (first, second, third) == (["quick"], ["slow"], [])


async def test_resuming_from_a_cursor_sends_what_was_missed_and_nothing_twice(
    session: AsyncSession,
) -> None:
    rosa = (await resident_row(session)).id
    now = utcnow()
    position = await start(session, rosa, now)
    await _stored(session, rosa, now + timedelta(seconds=1), "a")
    await _stored(session, rosa, now + timedelta(seconds=2), "b")
    sent = await catch_up(session, rosa, position, now + timedelta(seconds=3))
    after_a, after_b = (cursor for _, cursor in sent)
    # While the phone was away: one new, and one stamped before "b" that committed late.
    await _stored(session, rosa, now + timedelta(seconds=5), "c")
    await _stored(session, rosa, now + timedelta(seconds=1, milliseconds=500), "late")

    later = now + timedelta(seconds=6)
    from_b = await _titles(session, rosa, Position.from_cursor(after_b), later)
    from_a = await _titles(session, rosa, Position.from_cursor(after_a), later)

    assert [n.title for n, _ in sent] == ["a", "b"]
    assert from_b == ["late", "c"]
    assert from_a == ["late", "b", "c"]


async def test_a_late_commit_within_the_overlap_is_sent_but_not_one_beyond(
    session: AsyncSession,
) -> None:
    rosa = (await resident_row(session)).id
    now = utcnow()
    position = await start(session, rosa, now)
    await _stored(session, rosa, now + timedelta(seconds=1), "sent")
    await _titles(session, rosa, position, now + timedelta(seconds=2))
    sent_at = now + timedelta(seconds=1)
    await _stored(session, rosa, sent_at - OVERLAP + timedelta(seconds=5), "within")
    await _stored(session, rosa, sent_at - OVERLAP - timedelta(seconds=5), "beyond")

    assert await _titles(session, rosa, position, now + timedelta(seconds=3)) == ["within"]


async def test_catching_up_is_bounded_in_number_and_age(session: AsyncSession) -> None:
    rosa = (await resident_row(session)).id
    now = utcnow()
    two_days_ago = Position.from_cursor(
        (await start(session, rosa, now - timedelta(days=2))).cursor()
    )
    await _stored(session, rosa, now - timedelta(hours=30), "too old")
    for n in range(BACKLOG + 20):
        await _stored(session, rosa, now - timedelta(minutes=200 - n), f"n{n:03d}")

    sent = await _titles(session, rosa, two_days_ago, now)

    assert len(sent) == BACKLOG
    assert sent == [f"n{n:03d}" for n in range(20, BACKLOG + 20)]  # the newest, oldest first


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "",
        "AQ",  # cut short
        "AgAGYWjkO5uLuBsA",  # another version
        "AQAGYWjkO5uLuBsATyZfeDgAAAA",  # a torn entry
        "!!!!",
    ],
)
def test_a_cursor_kith_did_not_give_out_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Position.from_cursor(cursor)
    assert refused.value.field == ("header", "Last-Event-ID")


async def test_a_cursor_remembers_the_newest_ids_only(session: AsyncSession) -> None:
    rosa = (await resident_row(session)).id
    now = utcnow()
    position = await start(session, rosa, now)
    count = notification_stream.REMEMBERED + 5
    for n in range(count):
        await _stored(session, rosa, now + timedelta(seconds=1 + n), f"n{n}")
    sent = await catch_up(session, rosa, position, now + timedelta(minutes=1))

    resumed = Position.from_cursor(sent[-1][1])

    assert len(resumed.seen) == notification_stream.REMEMBERED
    assert resumed.newest == position.newest
    # Forgotten ids come again (a repeat, never a loss): the 5 oldest.
    again = await _titles(session, rosa, resumed, now + timedelta(minutes=1))
    assert again == [f"n{n}" for n in range(5)]
