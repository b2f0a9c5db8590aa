"""Connections need both people's yes; a no is never shown to the asker."""

from datetime import UTC, datetime, timedelta

import httpx
import time_machine
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident, ResidentStatus
from tests.factories import Account, register, sign_in


async def _ask(client: httpx.AsyncClient, asker: Account, other: Account) -> httpx.Response:
    return await client.post(
        "/v1/connections", headers=asker.headers, json={"resident_id": str(other.id)}
    )


async def _list(client: httpx.AsyncClient, who: Account, kind: str) -> list[dict[str, object]]:
    response = await client.get("/v1/connections", headers=who.headers, params={"kind": kind})
    assert response.status_code == 200
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_ask_and_accept(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    asked = await _ask(client, alice, bob)
    assert asked.status_code == 201
    assert asked.json()["status"] == "pending"

    incoming = await _list(client, bob, "incoming")
    accepted = await client.post(f"/v1/connections/{incoming[0]['id']}/accept", headers=bob.headers)

    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert [c["other"] for c in await _list(client, alice, "connected")] == [
        {"id": str(bob.id), "display_name": "Robin"}
    ]
    assert len(await _list(client, bob, "connected")) == 1
    again = await _ask(client, alice, bob)  # asking again changes nothing
    assert again.status_code == 201
    assert (again.json()["id"], again.json()["status"]) == (asked.json()["id"], "accepted")


async def test_a_decline_is_never_shown_and_stops_pestering(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    asked = (await _ask(client, alice, bob)).json()

    declined = await client.post(f"/v1/connections/{asked['id']}/decline", headers=bob.headers)
    alice_sees = await _list(client, alice, "outgoing")
    re_asked = await _ask(client, alice, bob)
    bob_sees = await _list(client, bob, "incoming")

    assert declined.status_code == 204
    assert [c["status"] for c in alice_sees] == ["pending"]  # not told
    assert re_asked.status_code == 201
    assert re_asked.json()["status"] == "pending"
    assert bob_sees == []  # the second ask never reaches Bob

    with time_machine.travel(datetime.now(UTC) + timedelta(days=91), tick=False):
        tokens = await sign_in(client, alice.email)
        alice.access_token = tokens["access_token"]
        lapsed = await _list(client, alice, "outgoing")
        fresh = await _ask(client, alice, bob)
        tokens = await sign_in(client, bob.email)
        bob.access_token = tokens["access_token"]
        reaches_bob = await _list(client, bob, "incoming")
    assert lapsed == []
    assert fresh.status_code == 201
    assert len(reaches_bob) == 1


async def test_asking_back_accepts(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    await _ask(client, alice, bob)
    back = await _ask(client, bob, alice)
    assert back.json()["status"] == "accepted"


async def test_only_the_asked_may_answer(client: httpx.AsyncClient) -> None:
    alice, bob, carol = await register(client), await register(client), await register(client)
    asked = (await _ask(client, alice, bob)).json()
    for who in (alice, carol):
        answer = await client.post(f"/v1/connections/{asked['id']}/accept", headers=who.headers)
        assert answer.status_code == 404


async def test_a_block_looks_like_an_account_that_is_gone(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Every door answers a blocked person as it answers for a suspended account, so no
    combination of answers tells a block apart."""
    spy, blocker, suspended = await register(client), await register(client), await register(client)
    await client.post("/v1/blocks", headers=blocker.headers, json={"resident_id": str(spy.id)})
    row = await session.get(Resident, suspended.id)
    assert row is not None
    row.status = ResidentStatus.suspended
    session.add(row)
    await session.flush()

    answers = {}
    for name, other in (("blocker", blocker), ("suspended", suspended)):
        body = {"resident_id": str(other.id)}
        answers[name] = (
            (await client.get(f"/v1/residents/{other.id}", headers=spy.headers)).status_code,
            (await client.post("/v1/connections", headers=spy.headers, json=body)).status_code,
            (await client.post("/v1/vouches", headers=spy.headers, json=body)).status_code,
        )

    assert answers["blocker"] == answers["suspended"] == (404, 404, 404)
    assert await _list(client, blocker, "incoming") == []


async def test_either_side_may_end_it(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    asked = (await _ask(client, alice, bob)).json()
    await client.post(f"/v1/connections/{asked['id']}/accept", headers=bob.headers)

    ended = await client.delete(f"/v1/connections/{asked['id']}", headers=bob.headers)
    again = await client.delete(f"/v1/connections/{asked['id']}", headers=alice.headers)

    assert ended.status_code == 204
    assert again.status_code == 404
    assert await _list(client, alice, "connected") == []


async def test_asks_lapse_after_thirty_days(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    asked = (await _ask(client, alice, bob)).json()
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31), tick=False):
        tokens = await sign_in(client, bob.email)
        bob.access_token = tokens["access_token"]
        late = await client.post(f"/v1/connections/{asked['id']}/accept", headers=bob.headers)
        incoming = await _list(client, bob, "incoming")
    assert late.status_code == 404
    assert incoming == []
