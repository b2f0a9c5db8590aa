"""Reminders a day and an hour ahead, stored once however often the job runs; and kind
words when an occurrence is cancelled or a place comes free."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.notifications import Notification, NotificationKind
from services import reminders
from tests.api.test_check_ins import SUPPER_STARTS
from tests.api.test_events import host_event
from tests.api.test_rsvps import answer
from tests.factories import register


@pytest.fixture(autouse=True)
def before_the_events() -> Any:
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=True):
        yield


async def _stored(session: AsyncSession, kind: NotificationKind) -> list[tuple[Any, str]]:
    rows = await session.exec(
        select(Notification).where(Notification.kind == kind).order_by(col(Notification.title))
    )
    return [(n.resident_id, str(n.data.get("before", n.title))) for n in rows.all()]


async def test_a_day_and_an_hour_before_once_each(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host, ann, bo = await register(client), await register(client), await register(client)
    event = await host_event(client, host)
    await answer(client, ann, event, "going")
    await answer(client, bo, event, "maybe")

    too_early = await reminders.send_due(session, SUPPER_STARTS - timedelta(hours=30))
    day_before = await reminders.send_due(session, SUPPER_STARTS - timedelta(hours=23))
    again = await reminders.send_due(session, SUPPER_STARTS - timedelta(hours=22))
    hour_before = await reminders.send_due(session, SUPPER_STARTS - timedelta(minutes=50))
    started = await reminders.send_due(session, SUPPER_STARTS + timedelta(minutes=5))

    assert (too_early.reminders, day_before.reminders, again.reminders) == (0, 1, 0)
    assert (hour_before.reminders, started.reminders) == (1, 0)
    assert sorted(await _stored(session, NotificationKind.event_reminder)) == sorted(
        [(ann.id, "24h"), (ann.id, "1h")]
    )


async def test_cancelling_tells_those_going_and_a_free_place_tells_the_next(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host = await register(client)
    event = await host_event(client, host, capacity=1)
    first, second = await register(client), await register(client)
    await answer(client, first, event, "going")
    await answer(client, second, event, "going")
    await answer(client, first, event, "not_going")
    await client.delete(f"/v1/events/{event['id']}/occurrences/2027-03-09", headers=host.headers)

    moved_up = await _stored(session, NotificationKind.waitlist_place)
    told = await _stored(session, NotificationKind.event_cancelled)

    assert [resident for resident, _ in moved_up] == [second.id]
    assert [resident for resident, _ in told] == [second.id]
    assert "Tuesday supper on 9 Mar is cancelled" in told[0][1]
