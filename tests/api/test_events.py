"""Events: hosting, the occurrences near you, exceptions, and local time across clock changes."""

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine

from tests.api.test_offers import FAR, NEAR
from tests.factories import Account, register

LONDON = ZoneInfo("Europe/London")
VENUE = {
    "name": "St Mary's hall",
    "address": "1 Church Lane",
    "lat": NEAR["lat"],
    "lon": NEAR["lon"],
}


def supper(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "meal",
        "title": "Tuesday supper",
        "description": "Bring a dish if you can; come anyway if you can't.",
        "accessibility": "Step-free, hearing loop",
        "venue": VENUE,
        "starts_at": "2027-03-09T18:00:00",  # local to Europe/London, a Tuesday
        "ends_at": "2027-03-09T20:00:00",
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "capacity": 30,
    }
    body.update(changes)
    return body


async def host_event(client: httpx.AsyncClient, host: Account, **changes: object) -> Any:
    response = await client.post("/v1/events", headers=host.headers, json=supper(**changes))
    assert response.status_code == 201, response.text
    return response.json()


async def listing(client: httpx.AsyncClient, who: Account, **params: Any) -> Any:
    response = await client.get("/v1/events", headers=who.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(autouse=True)
def before_the_events() -> Any:
    # The events are in March 2027; the tests run as if on 1 March 2027.
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=True):
        yield


SPRING = {"from": "2027-03-08T00:00:00Z", "to": "2027-04-07T00:00:00Z"}


async def test_host_a_weekly_supper_and_read_it_back(client: httpx.AsyncClient) -> None:
    host = await register(client, display_name="Hana")
    event = await host_event(client, host)
    read = await client.get(f"/v1/events/{event['id']}", headers=host.headers)

    assert read.status_code == 200
    assert read.headers["ETag"] == '"1"'
    body = read.json()
    assert body["starts_at"] == "2027-03-09T18:00:00Z"  # GMT in early March
    assert body["timezone"] == "Europe/London"
    assert body["hosts"] == [{"id": str(host.id), "display_name": "Hana"}]
    assert body["venue"]["name"] == "St Mary's hall"
    assert body["venue"]["lat"] == pytest.approx(NEAR["lat"], abs=0.0002)  # within ~20 m
    assert body["venue"]["lon"] == pytest.approx(NEAR["lon"], abs=0.0003)


async def test_occurrences_keep_local_time_across_the_clock_change(
    client: httpx.AsyncClient,
) -> None:
    host = await register(client)
    neighbour = await register(client)
    await host_event(client, host)

    items = (await listing(client, neighbour, **SPRING))["items"]

    starts = [datetime.fromisoformat(item["starts_at"]) for item in items]
    assert [s.astimezone(LONDON).strftime("%a %H:%M") for s in starts] == ["Tue 18:00"] * 5
    assert [s.astimezone(UTC).hour for s in starts] == [18, 18, 18, 17, 17]  # BST from 28 Mar
    assert [item["occurrence"] for item in items] == [
        "2027-03-09",
        "2027-03-16",
        "2027-03-23",
        "2027-03-30",
        "2027-04-06",
    ]
    assert all(item["distance"]["label"] == "under 1 km" for item in items)


async def test_the_listing_is_near_soonest_first_and_paged(client: httpx.AsyncClient) -> None:
    host, far_host = await register(client), await register(client)
    neighbour = await register(client)
    weekly = await host_event(client, host)
    once = await host_event(
        client,
        host,
        rrule=None,
        title="Street party",
        kind="street_party",
        starts_at="2027-03-13T12:00:00Z",
        ends_at="2027-03-13T16:00:00Z",
    )
    far_venue = VENUE | {"lat": FAR["lat"], "lon": FAR["lon"]}
    await host_event(client, far_host, venue=far_venue)

    first = await listing(client, neighbour, limit=2, **SPRING)
    rest = await listing(client, neighbour, limit=10, cursor=first["next_cursor"], **SPRING)
    items = first["items"] + rest["items"]

    assert [(i["event_id"], i["occurrence"]) for i in items[:3]] == [
        (weekly["id"], "2027-03-09"),
        (once["id"], "2027-03-13"),
        (weekly["id"], "2027-03-16"),
    ]
    assert len(items) == 6  # five suppers and the party; the far event is out of reach
    assert rest["next_cursor"] is None


async def test_cancel_one_date_and_move_another(client: httpx.AsyncClient) -> None:
    host, neighbour = await register(client), await register(client)
    event = await host_event(client, host)
    path = f"/v1/events/{event['id']}/occurrences"

    cancelled = await client.delete(f"{path}/2027-03-16", headers=host.headers)
    moved = await client.put(
        f"{path}/2027-03-23",
        headers=host.headers,
        json={"starts_at": "2027-03-24T19:00:00", "ends_at": "2027-03-24T21:00:00"},
    )
    not_a_date = await client.delete(f"{path}/2027-03-17", headers=host.headers)
    too_far = await client.put(
        f"{path}/2027-03-30",
        headers=host.headers,
        json={"starts_at": "2027-04-20T19:00:00", "ends_at": "2027-04-20T21:00:00"},
    )
    by_neighbour = await client.delete(f"{path}/2027-03-30", headers=neighbour.headers)

    assert cancelled.status_code == 204
    assert moved.status_code == 200
    assert not_a_date.status_code == 404
    assert too_far.status_code == 422
    assert by_neighbour.status_code == 403
    items = (await listing(client, neighbour, **SPRING))["items"]
    assert [(i["occurrence"], i["starts_at"], i["moved"]) for i in items[:3]] == [
        ("2027-03-09", "2027-03-09T18:00:00Z", False),
        ("2027-03-23", "2027-03-24T19:00:00Z", True),
        ("2027-03-30", "2027-03-30T18:00:00+01:00", False),
    ]


async def test_changes_need_the_current_etag_and_a_host(client: httpx.AsyncClient) -> None:
    host, neighbour = await register(client), await register(client)
    event = await host_event(client, host)
    path = f"/v1/events/{event['id']}"

    missing = await client.patch(path, headers=host.headers, json={"title": "Thursday supper"})
    changed = await client.patch(
        path,
        headers=host.headers | {"If-Match": '"1"'},
        json={"title": "Thursday supper", "rrule": "FREQ=WEEKLY;BYDAY=TH", "capacity": None},
    )
    stale = await client.patch(
        path, headers=host.headers | {"If-Match": '"1"'}, json={"title": "Tea"}
    )
    not_host = await client.patch(
        path, headers=neighbour.headers | {"If-Match": '"2"'}, json={"title": "Mine now"}
    )

    assert missing.status_code == 428
    assert changed.status_code == 200
    assert (changed.json()["title"], changed.json()["capacity"]) == ("Thursday supper", None)
    assert changed.headers["ETag"] == '"2"'
    assert stale.status_code == 412
    assert not_host.status_code == 403
    days = {
        datetime.fromisoformat(i["starts_at"]).strftime("%a")
        for i in (await listing(client, neighbour, **SPRING))["items"]
    }
    assert days == {"Tue", "Thu"}  # the first stays on its Tuesday; the rest are Thursdays


async def test_cancelling_takes_it_out_of_the_listing(client: httpx.AsyncClient) -> None:
    host, neighbour = await register(client), await register(client)
    event = await host_event(client, host)

    first = await client.delete(f"/v1/events/{event['id']}", headers=host.headers)
    again = await client.delete(f"/v1/events/{event['id']}", headers=host.headers)
    read = await client.get(f"/v1/events/{event['id']}", headers=neighbour.headers)

    assert first.status_code == again.status_code == 204
    assert read.json()["status"] == "cancelled"
    assert (await listing(client, neighbour, **SPRING))["items"] == []


async def test_a_blocked_host_and_their_events_are_hidden(client: httpx.AsyncClient) -> None:
    host, neighbour = await register(client), await register(client)
    event = await host_event(client, host)
    await client.post("/v1/blocks", headers=host.headers, json={"resident_id": str(neighbour.id)})

    read = await client.get(f"/v1/events/{event['id']}", headers=neighbour.headers)

    assert read.status_code == 404
    assert (await listing(client, neighbour, **SPRING))["items"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2027-03-09T17:00:00"}, "ends_at"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"rrule": "FREQ=HOURLY"}, "rrule"),
        ({"title": "x" * 121}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"starts_at": "2026-01-01T18:00:00", "ends_at": "2026-01-01T19:00:00"}, "starts_at"),
    ],
)
async def test_bad_events_are_refused_clearly(
    client: httpx.AsyncClient, changes: dict[str, object], field: str
) -> None:
    host = await register(client)
    response = await client.post("/v1/events", headers=host.headers, json=supper(**changes))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


async def test_a_window_is_bounded(client: httpx.AsyncClient) -> None:
    neighbour = await register(client)
    response = await client.get(
        "/v1/events",
        headers=neighbour.headers,
        params={"from": "2027-03-01T00:00:00Z", "to": "2027-07-01T00:00:00Z"},
    )
    assert response.status_code == 422


async def test_unknown_events_are_404(client: httpx.AsyncClient) -> None:
    neighbour = await register(client)
    response = await client.get(f"/v1/events/{uuid.uuid4()}", headers=neighbour.headers)
    assert response.status_code == 404


async def test_a_retried_create_with_its_key_makes_one_event(client: httpx.AsyncClient) -> None:
    host = await register(client)
    headers = host.headers | {"Idempotency-Key": "supper-1"}

    first = await client.post("/v1/events", headers=headers, json=supper())
    retry = await client.post("/v1/events", headers=headers, json=supper())
    mine = await listing(client, host, **SPRING)

    assert retry.json()["id"] == first.json()["id"]
    assert {o["event_id"] for o in mine["items"]} == {first.json()["id"]}
