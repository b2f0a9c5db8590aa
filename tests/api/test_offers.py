import uuid
from datetime import UTC, datetime, timedelta

import httpx
import time_machine
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident, ResidentStatus
from services import geo
from tests.factories import HOME, Account, register, sign_in

# About 700 m north-east of HOME: a different cell, in reach of the defaults.
NEAR = {"lat": HOME["lat"] + 0.005, "lon": HOME["lon"] + 0.006}
FAR = {"lat": HOME["lat"] + 0.2, "lon": HOME["lon"]}  # ~22 km away


def offer_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "category": "diy",
        "title": "Shelves put up",
        "details": "I have a drill and a spirit level.",
        "availability": {"weekly": [{"day": "sat", "start": "10:00", "end": "13:00"}]},
    }
    body.update(changes)
    return body


async def post_offer(
    client: httpx.AsyncClient, owner: Account, **changes: object
) -> dict[str, object]:
    response = await client.post("/v1/offers", headers=owner.headers, json=offer_body(**changes))
    assert response.status_code == 201, response.text
    offer: dict[str, object] = response.json()
    return offer


async def test_create_places_the_offer_at_the_home_cell(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    response = await client.post("/v1/offers", headers=owner.headers, json=offer_body())

    assert response.status_code == 201
    offer = response.json()
    assert offer["mine"] is True
    assert offer["cell"] == geo.cell_of(HOME["lat"], HOME["lon"], 8)
    assert offer["radius_m"] == 1500
    assert offer["status"] == "active"
    assert response.headers["etag"] == '"1"'


async def test_neighbours_see_it_without_its_cell(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    offer = await post_offer(client, owner)
    neighbour = await register(client, home=NEAR)

    feed = await client.get("/v1/offers", headers=neighbour.headers)
    one = await client.get(f"/v1/offers/{offer['id']}", headers=neighbour.headers)

    assert [item["id"] for item in feed.json()["items"]] == [offer["id"]]
    seen = one.json()
    assert seen["cell"] is None
    assert seen["mine"] is False
    assert seen["distance"] == {"bucket_km": 0, "label": "under 1 km"}
    assert seen["owner"]["display_name"] == "Robin"


async def test_out_of_reach_and_own_offers_stay_out_of_the_feed(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    offer = await post_offer(client, owner)
    far = await register(client, home=FAR)

    far_feed = await client.get("/v1/offers", headers=far.headers)
    far_read = await client.get(f"/v1/offers/{offer['id']}", headers=far.headers)
    own_feed = await client.get("/v1/offers", headers=owner.headers)
    mine = await client.get("/v1/offers", headers=owner.headers, params={"mine": "true"})

    assert far_feed.json()["items"] == []
    assert far_read.status_code == 404
    assert own_feed.json()["items"] == []
    assert [item["id"] for item in mine.json()["items"]] == [offer["id"]]


async def test_a_small_radius_does_not_reach_the_next_cell(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    await post_offer(client, owner, radius_m=100)
    neighbour = await register(client, home=NEAR)

    feed = await client.get("/v1/offers", headers=neighbour.headers)
    assert feed.json()["items"] == []


async def test_edit_needs_the_current_etag(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    offer = await post_offer(client, owner)
    path = f"/v1/offers/{offer['id']}"

    missing = await client.patch(path, headers=owner.headers, json={"title": "Shelves"})
    edited = await client.patch(
        path, headers=owner.headers | {"If-Match": '"1"'}, json={"title": "Shelves and pictures"}
    )
    stale = await client.patch(
        path, headers=owner.headers | {"If-Match": '"1"'}, json={"title": "Lost update"}
    )
    weak = await client.patch(
        path, headers=owner.headers | {"If-Match": 'W/"2"'}, json={"title": "Lost update"}
    )

    assert missing.status_code == 428
    assert edited.status_code == 200
    assert edited.headers["etag"] == '"2"'
    assert edited.json()["title"] == "Shelves and pictures"
    assert stale.status_code == weak.status_code == 412
    current = await client.get(path, headers=owner.headers)
    assert current.json()["title"] == "Shelves and pictures"


async def test_only_the_owner_may_change_or_withdraw(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    offer = await post_offer(client, owner)
    neighbour = await register(client, home=NEAR)
    path = f"/v1/offers/{offer['id']}"
    headers = neighbour.headers | {"If-Match": '"1"'}

    patch = await client.patch(path, headers=headers, json={"title": "Mine now"})
    delete = await client.delete(path, headers=headers)

    assert patch.status_code == delete.status_code == 404


async def test_withdrawn_offers_leave_the_feed(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    offer = await post_offer(client, owner)
    neighbour = await register(client, home=NEAR)

    withdrawn = await client.delete(
        f"/v1/offers/{offer['id']}", headers=owner.headers | {"If-Match": '"1"'}
    )
    feed = await client.get("/v1/offers", headers=neighbour.headers)
    own = await client.get(f"/v1/offers/{offer['id']}", headers=owner.headers)

    assert withdrawn.status_code == 204
    assert feed.json()["items"] == []
    assert own.json()["status"] == "closed"


async def test_personal_care_is_not_offered_peer_to_peer(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    response = await client.post(
        "/v1/offers", headers=owner.headers, json=offer_body(category="personal_care")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "category"]


async def test_feed_pages_by_bucket_then_newest(client: httpx.AsyncClient) -> None:
    viewer = await register(client)
    near_owner = await register(client, home=NEAR)
    farther = {"lat": HOME["lat"] + 0.02, "lon": HOME["lon"]}  # ~2.2 km
    far_owner = await register(client, home=farther)
    far_offer = await post_offer(client, far_owner, radius_m=5000, title="Far one")
    near_ids = [(await post_offer(client, near_owner, title=f"Near {i}"))["id"] for i in range(3)]

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/offers", headers=viewer.headers, params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [*reversed(near_ids), far_offer["id"]]


async def test_bad_cursor_and_unknown_category_are_422(client: httpx.AsyncClient) -> None:
    viewer = await register(client)
    cursor = await client.get("/v1/offers", headers=viewer.headers, params={"cursor": "nope"})
    category = await client.get(
        "/v1/offers", headers=viewer.headers, params={"category": "juggling"}
    )
    assert cursor.status_code == category.status_code == 422
    assert cursor.json()["errors"][0]["loc"] == ["query", "cursor"]


async def test_unknown_offer_is_404(client: httpx.AsyncClient) -> None:
    viewer = await register(client)
    response = await client.get(f"/v1/offers/{uuid.uuid4()}", headers=viewer.headers)
    assert response.status_code == 404


async def test_a_given_point_is_kept_only_as_a_cell_at_the_owners_level(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client, coarse_location=True)
    elsewhere = {"lat": 51.4700, "lon": -2.6000}
    offer = await post_offer(client, owner, location=elsewhere)

    assert offer["cell"] == geo.cell_of(elsewhere["lat"], elsewhere["lon"], 7)
    assert elsewhere["lat"] not in offer.values()


async def test_offers_of_suspended_residents_disappear(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await register(client)
    offer = await post_offer(client, owner)
    neighbour = await register(client, home=NEAR)
    resident = await session.get(Resident, owner.id)
    assert resident is not None
    resident.status = ResidentStatus.suspended
    session.add(resident)
    await session.commit()

    feed = await client.get("/v1/offers", headers=neighbour.headers)
    read = await client.get(f"/v1/offers/{offer['id']}", headers=neighbour.headers)

    assert feed.json()["items"] == []
    assert read.status_code == 404


async def test_expired_offers_leave_the_feed_but_not_their_owner(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    offer = await post_offer(client, owner)
    neighbour = await register(client, home=NEAR)
    later = datetime.now(UTC) + timedelta(days=61)

    with time_machine.travel(later, tick=False):
        owner_tokens = await sign_in(client, owner.email)
        neighbour_tokens = await sign_in(client, neighbour.email)
        feed = await client.get(
            "/v1/offers",
            headers={"Authorization": f"Bearer {neighbour_tokens['access_token']}"},
        )
        mine = await client.get(
            "/v1/offers",
            params={"mine": "true"},
            headers={"Authorization": f"Bearer {owner_tokens['access_token']}"},
        )

    assert feed.json()["items"] == []
    assert [(o["id"], o["expired"]) for o in mine.json()["items"]] == [(offer["id"], True)]
