"""Circles: ties as the resident sees them, profiles relative to the viewer, and posts shared
only with a circle (or a circle's circles), which strangers never see."""

import random
import uuid
from collections import deque
from datetime import timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlmodel.ext.asyncio.session import AsyncSession

from api.app import create_app
from api.db import Database
from api.settings import Settings, TrustConfig
from models.ties import TieKind
from services import ties
from tests.api.test_offers import NEAR, post_offer
from tests.api.test_requests import post_request
from tests.factories import Account, connect, profile, register


async def _circle(client: httpx.AsyncClient, who: Account, **params: Any) -> Any:
    response = await client.get("/v1/me/circle", headers=who.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_connection_is_a_tie_in_both_circles_until_it_ends(
    client: httpx.AsyncClient,
) -> None:
    alice = await register(client, display_name="Alice")
    bob = await register(client, display_name="Bob")
    connection_id = await connect(client, alice, bob)

    alices = (await _circle(client, alice))["items"]
    bobs = (await _circle(client, bob))["items"]
    ended = await client.delete(f"/v1/connections/{connection_id}", headers=bob.headers)
    after = (await _circle(client, alice))["items"]

    assert [(m["id"], m["display_name"], m["kinds"]) for m in alices] == [
        (str(bob.id), "Bob", ["connected"])
    ]
    assert alices[0]["strength"] == pytest.approx(0.6)
    assert bobs[0]["id"] == str(alice.id)
    assert ended.status_code == 204
    assert after == []


async def test_the_circle_pages_strongest_first(client: httpx.AsyncClient) -> None:
    me = await register(client)
    friends = [await register(client, display_name=f"Friend {i}") for i in range(5)]
    for friend in friends:
        await connect(client, me, friend)
    vouched = friends[2]
    await client.post("/v1/vouches", headers=me.headers, json={"resident_id": str(vouched.id)})

    first = await _circle(client, me, limit=2)
    rest = await _circle(client, me, limit=10, cursor=first["next_cursor"])
    members = first["items"] + rest["items"]

    assert members[0]["id"] == str(vouched.id)
    assert members[0]["kinds"] == ["connected", "vouched"]
    assert sorted(m["id"] for m in members) == sorted(str(f.id) for f in friends)
    assert rest["next_cursor"] is None
    assert [m["strength"] for m in members] == sorted(
        (m["strength"] for m in members), reverse=True
    )


async def test_a_block_ends_the_connection_and_the_blockers_vouch(
    client: httpx.AsyncClient,
) -> None:
    alice, bob = await register(client), await register(client)
    await connect(client, alice, bob)
    await client.post("/v1/vouches", headers=alice.headers, json={"resident_id": str(bob.id)})
    await client.post("/v1/blocks", headers=alice.headers, json={"resident_id": str(bob.id)})
    await client.delete(f"/v1/blocks/{bob.id}", headers=alice.headers)

    assert (await _circle(client, alice))["items"] == []
    assert (await _circle(client, bob))["items"] == []
    assert (await client.get("/v1/vouches", headers=alice.headers)).json()["items"] == []
    connections = await client.get("/v1/connections", headers=bob.headers)
    assert connections.json()["items"] == []


async def test_a_profile_shows_trust_from_the_viewers_side(client: httpx.AsyncClient) -> None:
    viewer = await register(client, display_name="Vi")
    subject = await register(client, display_name="Sol", bio="Keen gardener")
    sam = await register(client, display_name="Sam")
    hidden = await register(client, display_name="Hid")
    for mutual in (sam, hidden):
        await connect(client, viewer, mutual)
        await connect(client, mutual, subject)
    await client.post("/v1/blocks", headers=subject.headers, json={"resident_id": str(hidden.id)})

    theirs = await profile(client, viewer, subject)
    own = await profile(client, subject, subject)

    assert theirs["display_name"] == "Sol"
    assert theirs["bio"] == "Keen gardener"
    trust = theirs["trust"]
    assert trust["your_tie"] is None
    assert trust["mutual_count"] == 1  # Hid is blocked by Sol: neither counted nor named
    assert trust["mutuals"] == [{"id": str(sam.id), "display_name": "Sam"}]
    assert trust["reasons"] == ["you both know Sam"]
    assert "score" not in trust  # exact, it would let Vi work out the Sam-Sol tie's strength
    assert own["trust"] is None
    for leaked in ("home_cell", "email", "cell", "ties", "circle"):
        assert leaked not in theirs


async def test_a_block_hides_the_profile_both_ways(client: httpx.AsyncClient) -> None:
    alice, bob = await register(client), await register(client)
    await client.post("/v1/blocks", headers=alice.headers, json={"resident_id": str(bob.id)})
    for viewer, subject in ((alice, bob), (bob, alice)):
        response = await client.get(f"/v1/residents/{subject.id}", headers=viewer.headers)
        assert response.status_code == 404
    unknown = await client.get(f"/v1/residents/{uuid.uuid4()}", headers=alice.headers)
    assert unknown.status_code == 404


async def _two_hops_and_a_stranger(
    client: httpx.AsyncClient,
) -> tuple[Account, Account, Account, Account]:
    """An owner, their friend, the friend's friend, and a stranger, all living near."""
    owner = await register(client)
    friend = await register(client, home=NEAR)
    friend_of_friend = await register(client, home=NEAR)
    stranger = await register(client, home=NEAR)
    await connect(client, owner, friend)
    await connect(client, friend, friend_of_friend)
    return owner, friend, friend_of_friend, stranger


async def test_circle_posts_reach_only_the_circle(client: httpx.AsyncClient) -> None:
    owner, friend, friend_of_friend, stranger = await _two_hops_and_a_stranger(client)
    circle_offer = await post_offer(client, owner, visibility="circle")
    wider_request = await post_request(client, owner, visibility="circle_of_circle")

    async def sees(viewer: Account) -> set[str]:
        offers = await client.get("/v1/offers", headers=viewer.headers)
        requests = await client.get("/v1/requests", headers=viewer.headers)
        seen = {o["id"] for o in offers.json()["items"] + requests.json()["items"]}
        for path, post in (("/v1/offers", circle_offer), ("/v1/requests", wider_request)):
            single = await client.get(f"{path}/{post['id']}", headers=viewer.headers)
            assert (single.status_code == 200) == (post["id"] in seen), (path, single.text)
        return seen

    assert await sees(friend) == {circle_offer["id"], wider_request["id"]}
    assert await sees(friend_of_friend) == {wider_request["id"]}
    assert await sees(stranger) == set()
    assert circle_offer["visibility"] == "circle"


async def test_a_circle_of_circle_request_finds_helpers_through_a_friend(
    client: httpx.AsyncClient,
) -> None:
    """Ranking asks whether each helper is in such a request's audience; it once built that
    filter from a plain id, which SQLAlchemy refused: every such listing failed with a 500."""
    owner, friend, friend_of_friend, stranger = await _two_hops_and_a_stranger(client)
    for helper in (friend_of_friend, stranger):
        await post_offer(client, helper, category="shopping")
    request = await post_request(client, owner, visibility="circle_of_circle")

    listed = await client.get(f"/v1/requests/{request['id']}/candidates", headers=owner.headers)

    assert listed.status_code == 200, listed.text
    helpers = {c["helper"]["id"] for c in listed.json()["items"]}
    assert helpers == {str(friend.id), str(friend_of_friend.id)}


def _within(graph: dict[int, set[int]], start: int, hops: int) -> set[int]:
    seen, queue = {start: 0}, deque([start])
    while queue:
        node = queue.popleft()
        if seen[node] < hops:
            for nxt in graph[node] - seen.keys():
                seen[nxt] = seen[node] + 1
                queue.append(nxt)
    return set(seen) - {start}


@pytest.mark.parametrize("seed", [1, 2])
async def test_no_one_outside_the_audience_ever_sees_a_circle_post(
    client: httpx.AsyncClient, seed: int
) -> None:
    """A random neighbourhood of ties; each resident posts once at a random visibility. Every
    feed must hold exactly the posts whose audience (by breadth-first search) holds them."""
    rng = random.Random(seed)
    people = [await register(client, home=NEAR) for _ in range(7)]
    graph: dict[int, set[int]] = {i: set() for i in range(len(people))}
    for a in range(len(people)):
        for b in range(a + 1, len(people)):
            if rng.random() < 0.3:
                await connect(client, people[a], people[b])
                graph[a].add(b)
                graph[b].add(a)
    hops = {"nearby": None, "circle": 1, "circle_of_circle": 2}
    posts = []
    for index, person in enumerate(people):
        visibility = rng.choice(list(hops))
        posts.append(
            (index, visibility, (await post_offer(client, person, visibility=visibility))["id"])
        )

    withheld = 0
    for viewer_index, viewer in enumerate(people):
        feed = await client.get("/v1/offers", headers=viewer.headers, params={"limit": 100})
        expected = {
            post_id
            for owner, visibility, post_id in posts
            if owner != viewer_index
            and (
                hops[visibility] is None
                or viewer_index in _within(graph, owner, hops[visibility] or 0)
            )
        }
        assert {o["id"] for o in feed.json()["items"]} == expected, (seed, viewer_index, graph)
        withheld += len(people) - 1 - len(expected)
    assert withheld > 0  # the draw did put someone outside some audience


async def test_ties_fade_by_the_configured_half_life(
    settings: Settings, test_database: Database, session: AsyncSession
) -> None:
    quick = settings.model_copy(update={"trust": TrustConfig(tie_half_life_days=10)})
    app = create_app(quick, database=test_database)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        me, them = await register(client), await register(client)
        met_at = ties.today() - timedelta(days=10)
        await ties.record_tie(session, me.id, them.id, TieKind.met, at=met_at)
        await session.commit()

        member = (await _circle(client, me))["items"][0]

    assert member["strength"] == pytest.approx(0.15, abs=0.001)  # 0.3, halved once
