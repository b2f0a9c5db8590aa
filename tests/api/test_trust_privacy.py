"""What the trust graph must never give away: a decline, a block, or someone else's ties;
and no one may make themselves part of another's circle without their yes."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import time_machine
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.test_offers import NEAR, post_offer
from tests.factories import Account, connect, make_admin, make_connector, register, sign_in


async def _ask(client: httpx.AsyncClient, asker: Account, other: Account) -> Any:
    response = await client.post(
        "/v1/connections", headers=asker.headers, json={"resident_id": str(other.id)}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _ids(client: httpx.AsyncClient, who: Account, kind: str) -> list[str]:
    response = await client.get("/v1/connections", headers=who.headers, params={"kind": kind})
    return [item["id"] for item in response.json()["items"]]


async def _refresh(client: httpx.AsyncClient, *accounts: Account) -> None:
    for account in accounts:  # access tokens last 15 minutes; these tests jump weeks
        account.access_token = (await sign_in(client, account.email))["access_token"]


async def test_a_declined_ask_behaves_exactly_like_an_unanswered_one(
    client: httpx.AsyncClient,
) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    to_bob, to_carol = await _ask(client, alice, bob), await _ask(client, alice, carol)
    declined = await client.post(f"/v1/connections/{to_bob['id']}/decline", headers=bob.headers)

    again_bob, again_carol = await _ask(client, alice, bob), await _ask(client, alice, carol)
    assert declined.status_code == 204
    assert again_bob == to_bob  # same id, same expiry, still "pending"
    assert again_carol == to_carol
    assert sorted(await _ids(client, alice, "outgoing")) == sorted([to_bob["id"], to_carol["id"]])

    later = datetime.now(UTC) + timedelta(days=31)
    with time_machine.travel(later, tick=False):
        await _refresh(client, alice, bob, carol)
        lapsed_bob, lapsed_carol = await _ask(client, alice, bob), await _ask(client, alice, carol)
        assert lapsed_bob["id"] != to_bob["id"]  # a fresh ask, as for Carol...
        assert lapsed_carol["id"] != to_carol["id"]
        assert lapsed_bob["status"] == lapsed_carol["status"] == "pending"
        assert await _ids(client, carol, "incoming") == [lapsed_carol["id"]]
        assert await _ids(client, bob, "incoming") == []  # ...that never reaches Bob

        for ask in (lapsed_bob, lapsed_carol):
            first = await client.delete(f"/v1/connections/{ask['id']}", headers=alice.headers)
            second = await client.delete(f"/v1/connections/{ask['id']}", headers=alice.headers)
            assert (first.status_code, second.status_code) == (204, 404)
        assert await _ids(client, alice, "outgoing") == []
        after_withdrawing = await _ask(client, alice, bob)  # withdrawing does not reset the 90 days
        assert await _ids(client, bob, "incoming") == []
        assert await _ids(client, alice, "outgoing") == [after_withdrawing["id"]]


async def test_the_quiet_days_end_and_an_old_no_does_not_outlive_a_later_yes(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    first = await _ask(client, alice, bob)
    await client.post(f"/v1/connections/{first['id']}/decline", headers=bob.headers)
    bob_asks = await _ask(client, bob, alice)  # Bob changes his mind
    await client.post(f"/v1/connections/{bob_asks['id']}/accept", headers=alice.headers)
    await client.delete(f"/v1/connections/{bob_asks['id']}", headers=alice.headers)

    after_ending = await _ask(client, alice, bob)

    assert await _ids(client, bob, "incoming") == [after_ending["id"]]


async def test_a_block_leaves_the_blocked_persons_ask_looking_pending(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    ask = await _ask(client, alice, bob)
    await client.post("/v1/blocks", headers=bob.headers, json={"resident_id": str(alice.id)})
    outgoing = await client.get(
        "/v1/connections", headers=alice.headers, params={"kind": "outgoing"}
    )
    await client.delete(f"/v1/blocks/{alice.id}", headers=bob.headers)

    assert [(item["id"], item["status"]) for item in outgoing.json()["items"]] == [
        (ask["id"], "pending")
    ]
    assert await _ids(client, bob, "incoming") == []  # and unblocking does not deliver it


async def test_a_vouch_does_not_buy_a_place_in_anyones_circle(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client)
    bob = await register(client, display_name="Bob", home=NEAR)
    private = await post_offer(client, bob, visibility="circle")
    vouched = await client.post(
        "/v1/vouches", headers=alice.headers, json={"resident_id": str(bob.id)}
    )

    seen = await client.get(f"/v1/offers/{private['id']}", headers=alice.headers)
    bobs_circle = await client.get("/v1/me/circle", headers=bob.headers)
    alices_circle = await client.get("/v1/me/circle", headers=alice.headers)

    assert vouched.status_code == 201
    assert seen.status_code == 404
    assert bobs_circle.json()["items"] == []
    assert [(m["id"], m["kinds"]) for m in alices_circle.json()["items"]] == [
        (str(bob.id), ["vouched"])
    ]


async def test_vouching_cannot_probe_someone_elses_ties(client: httpx.AsyncClient) -> None:
    spy, target = await register(client), await register(client)
    friend = await register(client, display_name="Friend")
    await connect(client, target, friend)
    await client.post("/v1/vouches", headers=spy.headers, json={"resident_id": str(friend.id)})

    trust = (await client.get(f"/v1/residents/{target.id}", headers=spy.headers)).json()["trust"]

    assert trust["mutual_count"] == 0
    assert trust["mutuals"] == []
    assert not any("Friend" in reason for reason in trust["reasons"])


async def test_a_circles_circle_does_not_reach_through_someone_the_owner_blocked(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    bridge = await register(client, home=NEAR)
    viewer = await register(client, home=NEAR)
    await connect(client, owner, bridge)
    await connect(client, bridge, viewer)
    post = await post_offer(client, owner, visibility="circle_of_circle")
    before = await client.get(f"/v1/offers/{post['id']}", headers=viewer.headers)
    # The bridge's own vouch survives the owner's block: it must not carry the post.
    await client.post("/v1/vouches", headers=bridge.headers, json={"resident_id": str(owner.id)})
    await client.post("/v1/blocks", headers=owner.headers, json={"resident_id": str(bridge.id)})

    after = await client.get(f"/v1/offers/{post['id']}", headers=viewer.headers)
    feed = await client.get("/v1/offers", headers=viewer.headers)

    assert before.status_code == 200
    assert after.status_code == 404
    assert feed.json()["items"] == []


async def test_vouch_notes_are_for_connectors_not_admins(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connector = await make_connector(client, session)
    admin = await make_admin(client, session)
    alice, bob = await register(client), await register(client)
    await client.post(
        "/v1/vouches", headers=alice.headers, json={"resident_id": str(bob.id), "note": "private"}
    )

    by_connector = await client.get(f"/v1/residents/{bob.id}", headers=connector.headers)
    by_admin = await client.get(f"/v1/residents/{bob.id}", headers=admin.headers)

    assert [v["note"] for v in by_connector.json()["vouches"]] == ["private"]
    assert by_admin.json()["vouches"] is None
