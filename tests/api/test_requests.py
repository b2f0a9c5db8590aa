import uuid
from datetime import UTC, datetime, timedelta

import httpx
import time_machine

from tests.api.test_offers import NEAR
from tests.factories import Account, register, sign_in


def request_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "category": "shopping",
        "title": "Milk and bread on Thursday",
        "urgency": "normal",
    }
    body.update(changes)
    return body


async def post_request(
    client: httpx.AsyncClient, owner: Account, **changes: object
) -> dict[str, object]:
    response = await client.post(
        "/v1/requests", headers=owner.headers, json=request_body(**changes)
    )
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


async def test_create_with_defaults(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    created = await post_request(client, owner)

    assert created["status"] == "open"
    assert created["helpers_needed"] == 1
    assert created["eligibility"] == "anyone"
    assert created["mine"] is True


async def test_personal_care_always_goes_via_a_connector(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    created = await post_request(client, owner, category="personal_care", eligibility="anyone")
    assert created["eligibility"] == "via_connector"


async def test_neighbours_filter_by_urgency(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    urgent = await post_request(client, owner, urgency="urgent", title="Prescription today")
    await post_request(client, owner, urgency="low", title="Help with the garden")
    neighbour = await register(client, home=NEAR)

    only_urgent = await client.get(
        "/v1/requests", headers=neighbour.headers, params={"urgency": "urgent"}
    )
    everything = await client.get("/v1/requests", headers=neighbour.headers)

    assert [r["id"] for r in only_urgent.json()["items"]] == [urgent["id"]]
    assert len(everything.json()["items"]) == 2
    assert all(r["cell"] is None for r in everything.json()["items"])


async def test_needed_by_must_be_ahead_and_can_be_cleared(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()

    refused = await client.post(
        "/v1/requests", headers=owner.headers, json=request_body(needed_by=past)
    )
    created = await post_request(client, owner, needed_by=soon)
    cleared = await client.patch(
        f"/v1/requests/{created['id']}",
        headers=owner.headers | {"If-Match": '"1"'},
        json={"needed_by": None},
    )

    assert refused.status_code == 422
    assert created["needed_by"] is not None
    assert cleared.status_code == 200
    assert cleared.json()["needed_by"] is None


async def test_cancelled_requests_leave_the_feed(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    created = await post_request(client, owner)
    neighbour = await register(client, home=NEAR)
    path = f"/v1/requests/{created['id']}"

    by_neighbour = await client.delete(path, headers=neighbour.headers | {"If-Match": '"1"'})
    edit_by_neighbour = await client.patch(
        path, headers=neighbour.headers | {"If-Match": '"1"'}, json={"title": "Not yours"}
    )
    no_etag = await client.delete(path, headers=owner.headers)
    cancelled = await client.delete(path, headers=owner.headers | {"If-Match": '"1"'})
    feed = await client.get("/v1/requests", headers=neighbour.headers)
    read = await client.get(path, headers=neighbour.headers)
    mine = await client.get("/v1/requests", headers=owner.headers, params={"mine": "true"})

    assert by_neighbour.status_code == edit_by_neighbour.status_code == 404
    assert no_etag.status_code == 428
    assert cancelled.status_code == 204
    assert feed.json()["items"] == []
    assert read.status_code == 404
    assert mine.json()["items"][0]["status"] == "cancelled"


async def test_an_expired_request_shows_as_expired_to_its_owner(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    created = await post_request(client, owner, expires_at=soon)

    with time_machine.travel(datetime.now(UTC) + timedelta(days=2), tick=False):
        tokens = await sign_in(client, owner.email)
        read = await client.get(
            f"/v1/requests/{created['id']}",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
    assert read.json()["status"] == "expired"
    assert read.json()["expired"] is True


async def test_helpers_needed_is_bounded(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    response = await client.post(
        "/v1/requests", headers=owner.headers, json=request_body(helpers_needed=50)
    )
    assert response.status_code == 422


async def test_unknown_request_is_404(client: httpx.AsyncClient) -> None:
    viewer = await register(client)
    response = await client.get(f"/v1/requests/{uuid.uuid4()}", headers=viewer.headers)
    assert response.status_code == 404
