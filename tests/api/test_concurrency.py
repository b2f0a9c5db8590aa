"""Races, on a real database with real commits (not the rolled-back harness), where each
request has its own connection, as it does in production."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import time_machine
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.migrate import upgrade
from api.settings import RateLimitSettings, Settings
from tests.api.test_check_ins import SUPPER_STARTS, check_in, choose, code
from tests.api.test_events import host_event
from tests.api.test_offers import offer_body, post_offer
from tests.api.test_requests import post_request
from tests.databases import fresh_database
from tests.factories import register, registration, sign_in

UNLIMITED = "100000/minute"


@pytest.fixture
async def committed_client(settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with fresh_database(tmp_path) as url:
        await upgrade(url)
        real = settings.model_copy(
            update={
                "database_url": url,
                "rate_limits": RateLimitSettings(
                    login_per_account=UNLIMITED,
                    login_per_client=UNLIMITED,
                    register_per_client=UNLIMITED,
                    refresh_per_client=UNLIMITED,
                ),
            }
        )
        app = create_app(real)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                yield client


async def test_parallel_registrations_all_succeed(committed_client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(committed_client.post("/v1/auth/register", json=registration()) for _ in range(12))
    )
    assert [r.status_code for r in responses] == [201] * 12


async def test_parallel_sign_ins_all_succeed(committed_client: httpx.AsyncClient) -> None:
    account = await register(committed_client)
    responses = await asyncio.gather(
        *(
            committed_client.post(
                "/v1/auth/token", data={"username": account.email, "password": account.password}
            )
            for _ in range(8)
        )
    )
    assert [r.status_code for r in responses] == [200] * 8


async def test_one_refresh_token_spent_at_once_by_many(
    committed_client: httpx.AsyncClient,
) -> None:
    """Twenty copies of one refresh token race: at most one wins, the rest are replays, and
    the replays end the sign-in, so whatever the winner got is dead too."""
    account = await register(committed_client)
    body = {"refresh_token": account.refresh_token}

    responses = await asyncio.gather(
        *(committed_client.post("/v1/auth/refresh", json=body) for _ in range(20))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(200) <= 1
    assert statuses.count(401) >= 19
    for winner in (r for r in responses if r.status_code == 200):
        pair = winner.json()
        me = await committed_client.get(
            "/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"}
        )
        again = await committed_client.post(
            "/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert me.status_code == again.status_code == 401


async def test_replay_racing_a_refresh_ends_the_sign_in(
    committed_client: httpx.AsyncClient,
) -> None:
    """The thief replays the spent first token while the owner refreshes the second."""
    account = await register(committed_client)
    first = {"refresh_token": account.refresh_token}
    second = (await committed_client.post("/v1/auth/refresh", json=first)).json()

    for _ in range(5):
        replay, refresh = await asyncio.gather(
            committed_client.post("/v1/auth/refresh", json=first),
            committed_client.post(
                "/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
            ),
        )
        assert replay.status_code == 401
        if refresh.status_code == 200:
            third = refresh.json()
            later = await committed_client.post(
                "/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}
            )
            me = await committed_client.get(
                "/v1/me", headers={"Authorization": f"Bearer {third['access_token']}"}
            )
            assert later.status_code == me.status_code == 401
            second = third
        else:
            break


async def test_a_double_tapped_ask_and_accept_make_one_connection(
    committed_client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(committed_client), await register(committed_client)
    body = {"resident_id": str(bob.id)}

    asks = await asyncio.gather(
        *(
            committed_client.post("/v1/connections", headers=alice.headers, json=body)
            for _ in range(6)
        )
    )
    ask_ids = {r.json()["id"] for r in asks}
    accepts = await asyncio.gather(
        *(
            committed_client.post(
                f"/v1/connections/{next(iter(ask_ids))}/accept", headers=bob.headers
            )
            for _ in range(6)
        )
    )
    circle = await committed_client.get("/v1/me/circle", headers=alice.headers)
    ended = await committed_client.delete(
        f"/v1/connections/{next(iter(ask_ids))}", headers=alice.headers
    )
    after = await committed_client.get("/v1/me/circle", headers=alice.headers)

    assert [r.status_code for r in asks] == [201] * 6
    assert len(ask_ids) == 1
    assert sorted(r.status_code for r in accepts).count(200) == 1
    assert [m["kinds"] for m in circle.json()["items"]] == [["connected"]]
    assert ended.status_code == 204
    assert after.json()["items"] == []  # one accept counted once, so one end removes it


async def test_a_block_racing_an_accept_always_wins(committed_client: httpx.AsyncClient) -> None:
    """Whichever lands first, the pair ends up unconnected with no tie between them."""
    pairs = [(await register(committed_client), await register(committed_client)) for _ in range(4)]
    asks = [
        await committed_client.post(
            "/v1/connections", headers=asker.headers, json={"resident_id": str(other.id)}
        )
        for asker, other in pairs
    ]

    await asyncio.gather(
        *(
            call
            for (asker, other), ask in zip(pairs, asks, strict=True)
            for call in (
                committed_client.post(
                    f"/v1/connections/{ask.json()['id']}/accept", headers=other.headers
                ),
                committed_client.post(
                    "/v1/blocks", headers=asker.headers, json={"resident_id": str(other.id)}
                ),
            )
        )
    )

    for asker, other in pairs:
        for who in (asker, other):
            circle = await committed_client.get("/v1/me/circle", headers=who.headers)
            connected = await committed_client.get("/v1/connections", headers=who.headers)
            assert circle.json()["items"] == []
            assert connected.json()["items"] == []


async def test_many_taking_the_last_place_at_once(committed_client: httpx.AsyncClient) -> None:
    host = await register(committed_client)
    event = await host_event(committed_client, host, capacity=1)
    guests = [await register(committed_client) for _ in range(6)]

    answers = await asyncio.gather(
        *(
            committed_client.post(
                f"/v1/events/{event['id']}/rsvp",
                headers=guest.headers,
                json={"occurrence": "2027-03-09", "answer": "going"},
            )
            for guest in guests
        )
    )

    assert [a.status_code for a in answers] == [200] * 6
    assert sorted(a.json()["waitlisted"] for a in answers) == [False] + [True] * 5
    assert sorted(a.json()["waitlist_position"] or 0 for a in answers) == [0, 1, 2, 3, 4, 5]


async def test_two_people_choosing_each_other_at_once_still_meet(
    committed_client: httpx.AsyncClient,
) -> None:
    host = await register(committed_client)
    pairs = [(await register(committed_client), await register(committed_client)) for _ in range(6)]
    everyone = [host, *(person for pair in pairs for person in pair)]
    event = await host_event(committed_client, host)
    with time_machine.travel(SUPPER_STARTS, tick=True):
        for who in everyone:
            who.access_token = (await sign_in(committed_client, who.email))["access_token"]
        shown = (await code(committed_client, host, event)).json()["code"]
        for who in everyone[1:]:
            await check_in(committed_client, who, event, code=shown)

        chosen_all = await asyncio.gather(
            *(
                choose(committed_client, chooser, event, chosen)
                for a, b in pairs
                for chooser, chosen in ((a, b), (b, a))
            )
        )

        assert [r.status_code for r in chosen_all] == [200] * len(chosen_all), [
            r.text for r in chosen_all
        ]
        for who in everyone[1:]:
            circle = await committed_client.get("/v1/me/circle", headers=who.headers)
            assert [m["kinds"] for m in circle.json()["items"]] == [["met"]]


async def test_twenty_helpers_say_yes_at_once_to_a_request_needing_one(
    committed_client: httpx.AsyncClient,
) -> None:
    client = committed_client
    requester = await register(client, display_name="Rosa")
    helpers = [await register(client, display_name=f"Helper {n}") for n in range(20)]
    for helper in helpers:
        await post_offer(client, helper, category="shopping", title="Happy to shop")
    request = await post_request(client, requester)
    proposals = []
    for helper in helpers:
        made = await client.post(
            f"/v1/requests/{request['id']}/matches",
            headers=requester.headers,
            json={"helper_id": str(helper.id)},
        )
        assert made.status_code == 201, made.text
        proposals.append(made.json())

    accepts = await asyncio.gather(
        *(
            client.post(f"/v1/matches/{match['id']}/accept", headers=helper.headers, json={})
            for helper, match in zip(helpers, proposals, strict=True)
        )
    )

    assert sorted(r.status_code for r in accepts) == [200] + [409] * 19


async def test_twenty_confirms_at_once_fill_one_place(committed_client: httpx.AsyncClient) -> None:
    client = committed_client
    requester = await register(client, display_name="Rosa")
    request = await post_request(client, requester)
    volunteered = []
    for n in range(20):
        volunteer = await register(client, display_name=f"Volunteer {n}")
        made = await client.post(
            f"/v1/requests/{request['id']}/matches", headers=volunteer.headers, json={}
        )
        assert made.status_code == 201, made.text
        volunteered.append(made.json())

    confirms = await asyncio.gather(
        *(
            client.post(f"/v1/matches/{m['id']}/confirm", headers=requester.headers, json={})
            for m in volunteered
        )
    )

    assert sorted(r.status_code for r in confirms) == [200] + [409] * 19


async def test_fifty_posts_at_once_with_one_key_create_one_offer(
    committed_client: httpx.AsyncClient,
) -> None:
    owner = await register(committed_client)
    headers = owner.headers | {"Idempotency-Key": "one-key-fifty-taps"}

    responses = await asyncio.gather(
        *(
            committed_client.post("/v1/offers", headers=headers, json=offer_body())
            for _ in range(50)
        )
    )
    mine = await committed_client.get("/v1/offers", headers=owner.headers, params={"mine": "true"})

    statuses = {r.status_code for r in responses}
    assert statuses <= {201, 409}  # a replay, or "the first is still in flight"
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    assert len(mine.json()["items"]) == 1
