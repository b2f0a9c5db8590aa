"""Delta sync: changes since a token, tombstones, paging, and 410 when a token cannot be
continued."""

from datetime import timedelta
from typing import Any

import httpx
import time_machine
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from api.db import Database
from models.base import utcnow
from models.sync import SyncClock
from services import sync_upkeep
from tests.api.test_matches import _propose, _step
from tests.api.test_offers import FAR, NEAR, post_offer
from tests.api.test_requests import post_request
from tests.factories import Account, connect, register, sign_in


async def sync(
    client: httpx.AsyncClient, who: Account, since: str | None = None, **params: object
) -> Any:
    query: dict[str, Any] = dict(params)
    if since is not None:
        query["since"] = since
    response = await client.get("/v1/sync", headers=who.headers, params=query)
    assert response.status_code == 200, response.text
    return response.json()


def ids(page: Any, kind: str, deleted: bool = False) -> set[str]:
    return {c["id"] for c in page["changes"] if c["kind"] == kind and c["deleted"] is deleted}


async def test_a_neighbour_receives_a_new_offer_then_its_withdrawal(
    client: httpx.AsyncClient,
) -> None:
    owner, neighbour = await register(client), await register(client, home=NEAR)
    start = await sync(client, neighbour)
    offer = await post_offer(client, owner)

    after_post = await sync(client, neighbour, start["next_token"])
    withdrawn = await client.delete(
        f"/v1/offers/{offer['id']}", headers=owner.headers | {"If-Match": '"1"'}
    )
    after_withdrawal = await sync(client, neighbour, after_post["next_token"])
    quiet = await sync(client, neighbour, after_withdrawal["next_token"])

    assert withdrawn.status_code == 204, withdrawn.text
    assert ids(after_post, "offer") == {offer["id"]}
    shown = after_post["changes"][0]["data"]
    assert shown["title"] == offer["title"]
    assert shown["cell"] is None  # a neighbour's copy never holds the cell
    assert ids(after_withdrawal, "offer", deleted=True) == {offer["id"]}
    assert quiet["changes"] == []
    assert quiet["more"] is False


async def test_the_owner_keeps_their_withdrawn_offer_with_its_new_status(
    client: httpx.AsyncClient,
) -> None:
    owner = await register(client)
    start = await sync(client, owner)
    offer = await post_offer(client, owner)
    await client.delete(f"/v1/offers/{offer['id']}", headers=owner.headers | {"If-Match": '"1"'})

    page = await sync(client, owner, start["next_token"])

    [change] = page["changes"]
    assert change["deleted"] is False
    assert change["data"]["status"] == "closed"
    assert change["data"]["version"] == 2


async def test_out_of_reach_offers_never_arrive(client: httpx.AsyncClient) -> None:
    owner, far_away = await register(client), await register(client, home=FAR)
    start = await sync(client, far_away)
    await post_offer(client, owner)

    page = await sync(client, far_away, start["next_token"])

    assert page["changes"] == []


async def test_a_fresh_sync_holds_what_is_visible_and_no_tombstones(
    client: httpx.AsyncClient,
) -> None:
    owner, neighbour = await register(client), await register(client, home=NEAR)
    kept = await post_offer(client, owner, title="Kept")
    gone = await post_offer(client, owner, title="Gone")
    await client.delete(f"/v1/offers/{gone['id']}", headers=owner.headers | {"If-Match": '"1"'})

    page = await sync(client, neighbour)

    assert ids(page, "offer") == {kept["id"]}
    assert ids(page, "offer", deleted=True) == set()


async def test_a_block_turns_the_blocked_persons_offers_into_tombstones(
    client: httpx.AsyncClient,
) -> None:
    owner, neighbour = await register(client), await register(client, home=NEAR)
    offer = await post_offer(client, owner)
    start = await sync(client, neighbour)

    blocked = await client.post(
        "/v1/blocks", headers=neighbour.headers, json={"resident_id": str(owner.id)}
    )
    page = await sync(client, neighbour, start["next_token"])

    assert blocked.status_code in (200, 201), blocked.text
    assert offer["id"] in ids(page, "offer", deleted=True)


async def test_both_sides_sync_a_match_and_the_request_it_settles(
    client: httpx.AsyncClient,
) -> None:
    rosa, kim = await register(client, display_name="Rosa"), await register(client)
    await post_offer(client, kim, category="shopping")
    request = await post_request(client, rosa)
    rosa_start, kim_start = await sync(client, rosa), await sync(client, kim)

    match = (await _propose(client, rosa, request, kim)).json()
    await _step(client, kim, match, "accept", contact="07700 900123")
    confirmed = await _step(client, rosa, match, "confirm", contact="Flat 2")
    rosa_page = await sync(client, rosa, rosa_start["next_token"])
    kim_page = await sync(client, kim, kim_start["next_token"])

    assert confirmed.status_code == 200, confirmed.text
    assert ids(rosa_page, "match") == ids(kim_page, "match") == {match["id"]}
    [rosa_match] = [c["data"] for c in rosa_page["changes"] if c["kind"] == "match"]
    assert rosa_match["status"] == "confirmed"
    assert rosa_match["your_role"] == "requester"
    [rosa_request] = [c["data"] for c in rosa_page["changes"] if c["kind"] == "request"]
    assert rosa_request["status"] == "matched"
    # Kim saw the request while open; matched, it left the feed: a tombstone for Kim.
    assert request["id"] in ids(kim_page, "request", deleted=True)
    assert ids(kim_page, "notification")  # told of the proposal and the confirmation


async def test_a_connection_arrives_as_ties_on_both_sides(client: httpx.AsyncClient) -> None:
    a, b = await register(client, display_name="Ash"), await register(client, display_name="Bo")
    a_start, b_start = await sync(client, a), await sync(client, b)

    await connect(client, a, b)
    a_page = await sync(client, a, a_start["next_token"])
    b_page = await sync(client, b, b_start["next_token"])

    assert ids(a_page, "tie") == {str(b.id)}
    assert ids(b_page, "tie") == {str(a.id)}
    [member] = [c["data"] for c in a_page["changes"] if c["kind"] == "tie"]
    assert member["display_name"] == "Bo"
    assert "connected" in member["kinds"]


async def test_pages_follow_next_token_without_losing_or_repeating(
    client: httpx.AsyncClient,
) -> None:
    owner, neighbour = await register(client), await register(client, home=NEAR)
    posted = [str((await post_offer(client, owner, title=f"Offer {n}"))["id"]) for n in range(5)]

    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = await sync(client, neighbour, token, limit=2)
        seen += [c["id"] for c in page["changes"]]
        token, pages = page["next_token"], pages + 1
        if not page["more"]:
            break

    assert pages == 3
    assert sorted(seen) == sorted(posted)


async def test_a_changed_reach_or_home_needs_a_fresh_sync(client: httpx.AsyncClient) -> None:
    neighbour = await register(client, home=NEAR)
    token = (await sync(client, neighbour))["next_token"]

    other_reach = await client.get(
        "/v1/sync", headers=neighbour.headers, params={"since": token, "within_m": 1000}
    )
    moved = await client.patch("/v1/me", headers=neighbour.headers, json={"home": FAR})
    after_move = await client.get("/v1/sync", headers=neighbour.headers, params={"since": token})

    assert other_reach.status_code == 410
    assert other_reach.headers["content-type"] == "application/problem+json"
    assert moved.status_code == 200, moved.text
    assert after_move.status_code == 410


async def test_a_token_older_than_the_pruned_log_is_gone(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner = await register(client)
    old = (await sync(client, owner))["next_token"]
    await post_offer(client, owner)
    fresh = (await sync(client, owner))["next_token"]
    clock = await session.get(SyncClock, 1)
    assert clock is not None
    await session.exec(update(SyncClock).where(col(SyncClock.id) == 1).values(horizon=clock.seq))
    await session.flush()

    too_old = await client.get("/v1/sync", headers=owner.headers, params={"since": old})
    still_fine = await client.get("/v1/sync", headers=owner.headers, params={"since": fresh})

    assert too_old.status_code == 410
    assert too_old.json()["type"].endswith("/gone")
    assert still_fine.status_code == 200


async def test_a_token_that_is_not_one_is_422(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    response = await client.get("/v1/sync", headers=owner.headers, params={"since": "nonsense"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_expired_posts_leave_a_neighbours_copy_after_the_sweep(
    client: httpx.AsyncClient, test_database: Database
) -> None:
    owner, neighbour = await register(client), await register(client, home=NEAR)
    expires = utcnow() + timedelta(days=1)
    offer = await post_offer(client, owner, expires_at=expires.isoformat())
    start = await sync(client, neighbour)
    assert offer["id"] in ids(start, "offer")

    with time_machine.travel(expires + timedelta(minutes=1)):
        async with test_database.transaction() as session:
            assert await sync_upkeep.sweep_expiries(session, utcnow()) >= 1
        neighbour.access_token = (await sign_in(client, neighbour.email))["access_token"]
        page = await sync(client, neighbour, start["next_token"])

    assert offer["id"] in ids(page, "offer", deleted=True)
