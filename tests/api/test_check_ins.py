"""Check-in with a rotating code, and keep-in-touch choices that become `met` ties."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from tests.api.test_events import host_event
from tests.api.test_rsvps import SUPPER_DAY, answer
from tests.factories import Account, register, sign_in

SUPPER_STARTS = datetime(2027, 3, 9, 18, 0, tzinfo=UTC)  # GMT in March


@pytest.fixture
def at_the_supper() -> Any:
    with time_machine.travel(SUPPER_STARTS - timedelta(minutes=30), tick=True) as traveller:
        yield traveller


async def code(client: httpx.AsyncClient, host: Account, event: Any) -> httpx.Response:
    return await client.get(
        f"/v1/events/{event['id']}/check-in-code",
        headers=host.headers,
        params={"occurrence": SUPPER_DAY},
    )


async def check_in(
    client: httpx.AsyncClient, who: Account, event: Any, **body: object
) -> httpx.Response:
    return await client.post(
        f"/v1/events/{event['id']}/check-ins",
        headers=who.headers,
        json={"occurrence": SUPPER_DAY, **body},
    )


async def attendees_present(client: httpx.AsyncClient, who: Account, event: Any) -> Any:
    return await client.get(
        f"/v1/events/{event['id']}/check-ins",
        headers=who.headers,
        params={"occurrence": SUPPER_DAY},
    )


async def choose(
    client: httpx.AsyncClient, who: Account, event: Any, *others: Account
) -> httpx.Response:
    return await client.post(
        f"/v1/events/{event['id']}/keep-in-touch",
        headers=who.headers,
        json={"occurrence": SUPPER_DAY, "resident_ids": [str(o.id) for o in others]},
    )


async def circle_names(client: httpx.AsyncClient, who: Account) -> dict[str, list[str]]:
    items = (await client.get("/v1/me/circle", headers=who.headers)).json()["items"]
    return {m["display_name"]: m["kinds"] for m in items}


async def test_a_weekly_supper_from_rsvp_to_met_ties(
    client: httpx.AsyncClient, at_the_supper: Any
) -> None:
    host = await register(client, display_name="Host")
    event = await host_event(client, host, capacity=3)
    ann, bo, cy, di = [await register(client, display_name=n) for n in ("Ann", "Bo", "Cy", "Di")]
    for person in (ann, bo, cy, di):
        await answer(client, person, event, "going")
    assert (await answer(client, di, event, "going")).json()["waitlist_position"] == 1

    shown = await code(client, host, event)
    wrong = await check_in(
        client, ann, event, code="000000" if shown.json()["code"] != "000000" else "111111"
    )
    for person in (ann, bo, cy):
        assert (await check_in(client, person, event, code=shown.json()["code"])).status_code == 200
    present = await client.get(
        f"/v1/events/{event['id']}/check-ins",
        headers=ann.headers,
        params={"occurrence": SUPPER_DAY},
    )
    ann_chooses = await choose(client, ann, event, bo, cy)
    bo_chooses = await choose(client, bo, event, ann)
    cy_quiet = await choose(client, cy, event, bo)

    assert shown.status_code == 200
    assert len(shown.json()["code"]) == 6
    assert wrong.status_code == 422
    assert sorted(p["resident"]["display_name"] for p in present.json()["items"]) == ["Bo", "Cy"]
    assert ann_chooses.json()["chosen"] == sorted([str(bo.id), str(cy.id)])
    assert bo_chooses.status_code == cy_quiet.status_code == 200
    assert await circle_names(client, ann) == {"Bo": ["met"]}  # Cy did not choose Ann back
    assert await circle_names(client, bo) == {"Ann": ["met"]}  # nor Bo, Cy
    assert await circle_names(client, cy) == {}
    profile = (await client.get(f"/v1/residents/{bo.id}", headers=ann.headers)).json()
    assert "you both went to Tuesday supper on 9 Mar 2027" in profile["trust"]["reasons"]


async def test_codes_rotate_and_check_in_has_opening_hours(
    client: httpx.AsyncClient, at_the_supper: Any
) -> None:
    host, guest = await register(client), await register(client)
    event = await host_event(client, host)
    old = (await code(client, host, event)).json()["code"]

    at_the_supper.move_to(SUPPER_STARTS + timedelta(minutes=25))
    for who in (host, guest):
        who.access_token = (await sign_in(client, who.email))["access_token"]
    new = (await code(client, host, event)).json()["code"]
    stale = await check_in(client, guest, event, code=old) if old != new else None

    at_the_supper.move_to(SUPPER_STARTS + timedelta(hours=5))
    for who in (host, guest):
        who.access_token = (await sign_in(client, who.email))["access_token"]
    closed = await code(client, host, event)

    assert new != old
    assert stale is not None
    assert stale.status_code == 422
    assert closed.status_code == 422


async def test_hosts_mark_people_present_and_nobody_else_can(
    client: httpx.AsyncClient, at_the_supper: Any
) -> None:
    host, guest, other = await register(client), await register(client), await register(client)
    event = await host_event(client, host)

    marked = await check_in(client, host, event, resident_id=str(guest.id))
    by_guest = await check_in(client, guest, event, resident_id=str(other.id))
    looking = await client.get(
        f"/v1/events/{event['id']}/check-ins",
        headers=other.headers,
        params={"occurrence": SUPPER_DAY},
    )
    early_choice = await choose(client, other, event, guest)
    not_there = await choose(client, guest, event, other)

    assert marked.status_code == 200
    assert marked.json()["resident"]["id"] == str(guest.id)
    assert by_guest.status_code == 403
    assert looking.status_code == 403
    assert early_choice.status_code == 403
    assert not_there.status_code == 422


async def test_guessing_codes_is_rate_limited(
    client: httpx.AsyncClient, at_the_supper: Any
) -> None:
    host, guesser = await register(client), await register(client)
    event = await host_event(client, host)
    await code(client, host, event)

    statuses = [
        (await check_in(client, guesser, event, code=f"{n:06d}")).status_code for n in range(7)
    ]

    assert statuses.count(429) >= 1
    assert set(statuses) <= {422, 429, 200}
