"""Suggested events: those your ties go to first, then those your neighbours go to; only your
ties are ever named."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.test_events import SPRING, host_event, listing
from tests.api.test_rsvps import answer
from tests.factories import connect, make_connector, register


@pytest.fixture(autouse=True)
def before_the_events() -> Any:
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=True):
        yield


def once(title: str, day: int) -> dict[str, object]:
    return {
        "rrule": None,
        "title": title,
        "starts_at": f"2027-03-{day:02d}T12:00:00Z",
        "ends_at": f"2027-03-{day:02d}T14:00:00Z",
    }


async def test_ties_first_then_neighbours_and_no_strangers_named(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_connector(client, session)  # makes a neighbourhood around HOME
    host = await register(client)
    me = await register(client)
    friend = await register(client, display_name="Fran")
    neighbours = [await register(client, display_name=f"N{i}") for i in range(2)]
    await connect(client, me, friend)
    soonest = await host_event(client, host, **once("Coffee morning", 10))
    with_neighbours = await host_event(client, host, **once("Skill swap", 14))
    with_friend = await host_event(client, host, **once("Street party", 20))
    await answer(client, friend, with_friend, "going", day="2027-03-20")
    await answer(client, neighbours[0], with_friend, "going", day="2027-03-20")
    for person in neighbours:
        await answer(client, person, with_neighbours, "going", day="2027-03-14")

    items = (await listing(client, me, suggested="true", **SPRING))["items"]
    plain = (await listing(client, me, **SPRING))["items"]

    assert [i["event_id"] for i in items] == [
        with_friend["id"],
        with_neighbours["id"],
        soonest["id"],
    ]
    assert items[0]["ties_going"] == [{"id": str(friend.id), "display_name": "Fran"}]
    assert (items[0]["neighbours_going"], items[1]["neighbours_going"]) == (2, 2)
    assert items[1]["ties_going"] == []  # the neighbours going are counted, never named
    assert [i["event_id"] for i in plain] == [
        soonest["id"],
        with_neighbours["id"],
        with_friend["id"],
    ]
    assert all(i["ties_going"] == [] and i["neighbours_going"] is None for i in plain)
