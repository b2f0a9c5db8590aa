"""Vouching: a connector's counts more, the note is for connectors only, history is kept."""

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import Account, make_connector, profile, register


async def _vouch(
    client: httpx.AsyncClient, voucher: Account, vouchee: Account, note: str = ""
) -> httpx.Response:
    return await client.post(
        "/v1/vouches", headers=voucher.headers, json={"resident_id": str(vouchee.id), "note": note}
    )


async def test_vouching_is_safe_to_repeat_and_listed_for_its_author(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client, display_name="Bob")
    first = await _vouch(client, alice, bob, "Neighbour for ten years")
    again = await _vouch(client, alice, bob, "something else")
    listed = await client.get("/v1/vouches", headers=alice.headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["resident"] == {"id": str(bob.id), "display_name": "Bob"}
    assert first.json()["by_connector"] is False
    assert [v["id"] for v in listed.json()["items"]] == [first.json()["id"]]


async def test_the_note_reaches_connectors_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connector = await make_connector(client, session)
    alice, bob, carol = await register(client), await register(client), await register(client)
    await _vouch(client, alice, bob, "Helped my mum after her fall")

    seen_by_connector = await profile(client, connector, bob)
    seen_by_bob_himself = await client.get(f"/v1/residents/{bob.id}", headers=bob.headers)
    seen_by_carol = await profile(client, carol, bob)

    assert [v["note"] for v in seen_by_connector["vouches"]] == ["Helped my mum after her fall"]
    assert seen_by_bob_himself.json()["vouches"] is None
    assert seen_by_carol["vouches"] is None
    assert "Helped my mum" not in str(seen_by_carol) + seen_by_bob_himself.text
    assert seen_by_carol["trust"]["vouch_count"] == 1


async def test_a_connectors_vouch_counts_more(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connector = await make_connector(client, session)
    neighbour, viewer = await register(client), await register(client)
    by_connector, by_neighbour = await register(client), await register(client)
    made = await _vouch(client, connector, by_connector)
    await _vouch(client, neighbour, by_neighbour)

    high = (await profile(client, viewer, by_connector))["trust"]
    low = (await profile(client, viewer, by_neighbour))["trust"]

    assert made.json()["by_connector"] is True
    assert high["vouched_by_connector"] is True
    assert low["vouched_by_connector"] is False
    assert "vouched for by a connector" in high["reasons"]
    assert "vouched for by 1 neighbour" in low["reasons"]


async def test_revoking_stops_it_counting_but_keeps_the_history(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connector = await make_connector(client, session)
    alice, bob = await register(client), await register(client)
    made = (await _vouch(client, alice, bob, "Known her for years")).json()

    revoked = await client.delete(f"/v1/vouches/{made['id']}", headers=alice.headers)
    twice = await client.delete(f"/v1/vouches/{made['id']}", headers=alice.headers)
    listed = await client.get("/v1/vouches", headers=alice.headers)
    history = (await profile(client, connector, bob))["vouches"]
    circle = await client.get("/v1/me/circle", headers=alice.headers)
    renewed = await _vouch(client, alice, bob)

    assert revoked.status_code == 204
    assert twice.status_code == 404
    assert listed.json()["items"] == []
    assert [(v["id"], v["revoked_at"] is not None) for v in history] == [(made["id"], True)]
    assert circle.json()["items"] == []
    assert renewed.status_code == 201
    assert renewed.json()["id"] != made["id"]


async def test_only_the_author_may_revoke(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    made = (await _vouch(client, alice, bob)).json()
    by_bob = await client.delete(f"/v1/vouches/{made['id']}", headers=bob.headers)
    assert by_bob.status_code == 404


async def test_bad_vouches_are_refused_clearly(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    await client.post("/v1/blocks", headers=bob.headers, json={"resident_id": str(alice.id)})

    self_vouch = await _vouch(client, alice, alice)
    blocked = await _vouch(client, alice, bob)
    long_note = await _vouch(client, alice, await register(client), "x" * 501)

    assert self_vouch.status_code == 422
    assert blocked.status_code == 404  # a block is never revealed
    assert long_note.status_code == 422
    assert long_note.headers["content-type"] == "application/problem+json"
