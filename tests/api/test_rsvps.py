"""RSVPs: places up to capacity, a waitlist that moves up by itself, and what hosts see."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine

from tests.api.test_events import host_event
from tests.factories import Account, register, sign_in

SUPPER_DAY = "2027-03-09"


@pytest.fixture(autouse=True)
def before_the_events() -> Any:
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=True):
        yield


async def answer(
    client: httpx.AsyncClient, who: Account, event: Any, reply: str, day: str = SUPPER_DAY
) -> httpx.Response:
    return await client.post(
        f"/v1/events/{event['id']}/rsvp",
        headers=who.headers,
        json={"occurrence": day, "answer": reply},
    )


async def test_a_full_supper_keeps_a_waitlist_that_moves_up(client: httpx.AsyncClient) -> None:
    host = await register(client, display_name="Host")
    event = await host_event(client, host, capacity=2)
    ann, bo, cy, di = [await register(client, display_name=n) for n in ("Ann", "Bo", "Cy", "Di")]

    for person in (ann, bo):
        assert (await answer(client, person, event, "going")).json()["waitlisted"] is False
    cy_waits = (await answer(client, cy, event, "going")).json()
    di_waits = (await answer(client, di, event, "going")).json()
    cy_again = (await answer(client, cy, event, "going")).json()  # a retry keeps the place in line
    await answer(client, ann, event, "not_going")
    cy_now = (await answer(client, cy, event, "going")).json()
    seen = await _attendees(client, host, event)
    waiting = await _attendees(client, host, event, waitlisted=True)

    assert (cy_waits["waitlisted"], cy_waits["waitlist_position"]) == (True, 1)
    assert di_waits["waitlist_position"] == 2
    assert cy_again["waitlist_position"] == 1
    assert (cy_now["waitlisted"], cy_now["waitlist_position"]) == (False, None)
    assert cy_now["headcount"] == {"going": 2, "maybe": 0, "waitlisted": 1, "capacity": 2}
    assert [p["display_name"] for p in seen["items"]] == ["Bo", "Cy"]
    assert [p["display_name"] for p in waiting["items"]] == ["Di"]
    assert seen["headcount"] == cy_now["headcount"]


async def _attendees(
    client: httpx.AsyncClient, host: Account, event: Any, **params: str | int | bool
) -> Any:
    response = await client.get(
        f"/v1/events/{event['id']}/attendees",
        headers=host.headers,
        params={"occurrence": SUPPER_DAY, **params},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_big_party_is_listed_page_by_page_in_the_order_people_said_yes(
    client: httpx.AsyncClient,
) -> None:
    host = await register(client)
    event = await host_event(client, host, capacity=None)
    guests = [await register(client, display_name=f"Guest {n}") for n in range(5)]
    for guest in guests:
        await answer(client, guest, event, "going")

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        more: dict[str, str] = {"cursor": cursor} if cursor else {}
        page = await _attendees(client, host, event, limit=2, **more)
        seen += [p["display_name"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [f"Guest {n}" for n in range(5)]


async def test_more_places_move_the_line_up(client: httpx.AsyncClient) -> None:
    host = await register(client)
    event = await host_event(client, host, capacity=1)
    first, second = await register(client), await register(client)
    await answer(client, first, event, "going")
    await answer(client, second, event, "going")

    grown = await client.patch(
        f"/v1/events/{event['id']}",
        headers=host.headers | {"If-Match": '"1"'},
        json={"capacity": 5},
    )
    mine = (await answer(client, second, event, "going")).json()

    assert grown.status_code == 200
    assert mine["waitlisted"] is False


async def test_answers_only_for_real_upcoming_occurrences(client: httpx.AsyncClient) -> None:
    host, guest = await register(client), await register(client)
    event = await host_event(client, host)
    await client.delete(f"/v1/events/{event['id']}/occurrences/2027-03-16", headers=host.headers)

    not_a_tuesday = await answer(client, guest, event, "going", day="2027-03-10")
    cancelled = await answer(client, guest, event, "going", day="2027-03-16")
    maybe = await answer(client, guest, event, "maybe", day="2027-03-23")
    with time_machine.travel(datetime(2027, 3, 10, 9, tzinfo=UTC)):
        guest.access_token = (await sign_in(client, guest.email))["access_token"]
        over = await answer(client, guest, event, "going")

    assert not_a_tuesday.status_code == 404
    assert cancelled.status_code == 404
    assert maybe.json()["headcount"]["maybe"] == 1
    assert over.status_code == 422


async def test_only_hosts_see_who_is_coming(client: httpx.AsyncClient) -> None:
    host, guest = await register(client), await register(client)
    event = await host_event(client, host)
    await answer(client, guest, event, "going")
    seen = await client.get(
        f"/v1/events/{event['id']}/attendees",
        headers=guest.headers,
        params={"occurrence": SUPPER_DAY},
    )
    assert seen.status_code == 403
