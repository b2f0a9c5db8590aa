"""Blocks are silent and work both ways, in every feed and single read built so far."""

import uuid

import httpx

from tests.api.test_offers import NEAR, post_offer
from tests.api.test_requests import post_request
from tests.factories import register


async def test_a_block_hides_both_people_from_each_other(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client, home=NEAR)
    alice_offer = await post_offer(client, alice)
    bob_request = await post_request(client, bob)

    blocked = await client.post(
        "/v1/blocks", headers=alice.headers, json={"resident_id": str(bob.id)}
    )
    assert blocked.status_code == 201

    for viewer, path, post_id in (
        (bob, "/v1/offers", alice_offer["id"]),  # the blocked person loses sight too
        (alice, "/v1/requests", bob_request["id"]),
    ):
        feed = await client.get(path, headers=viewer.headers)
        single = await client.get(f"{path}/{post_id}", headers=viewer.headers)
        assert feed.json()["items"] == []
        assert single.status_code == 404


async def test_unblocking_restores_sight(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client, home=NEAR)
    offer = await post_offer(client, alice)
    await client.post("/v1/blocks", headers=bob.headers, json={"resident_id": str(alice.id)})

    listed = await client.get("/v1/blocks", headers=bob.headers)
    lifted = await client.delete(f"/v1/blocks/{alice.id}", headers=bob.headers)
    again = await client.delete(f"/v1/blocks/{alice.id}", headers=bob.headers)
    feed = await client.get("/v1/offers", headers=bob.headers)

    assert [b["resident_id"] for b in listed.json()["items"]] == [str(alice.id)]
    assert lifted.status_code == 204
    assert again.status_code == 404
    assert [o["id"] for o in feed.json()["items"]] == [offer["id"]]


async def test_blocking_is_idempotent_and_private(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    bob = await register(client)
    body = {"resident_id": str(bob.id)}

    first = await client.post("/v1/blocks", headers=alice.headers, json=body)
    second = await client.post("/v1/blocks", headers=alice.headers, json=body)
    bobs_list = await client.get("/v1/blocks", headers=bob.headers)

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert bobs_list.json()["items"] == []  # Bob is never told


async def test_blocking_yourself_or_nobody(client: httpx.AsyncClient) -> None:
    alice = await register(client)
    me = await client.post("/v1/blocks", headers=alice.headers, json={"resident_id": str(alice.id)})
    nobody = await client.post(
        "/v1/blocks", headers=alice.headers, json={"resident_id": str(uuid.uuid4())}
    )
    assert me.status_code == 422
    assert nobody.status_code == 404
