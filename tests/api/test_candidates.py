"""A request's candidates: who appears, who never does, in what order, and why."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident, ResidentStatus
from tests.api.test_offers import FAR, NEAR, post_offer
from tests.api.test_requests import post_request
from tests.factories import HOME, Account, connect, make_connector, register


async def _candidates(client: httpx.AsyncClient, viewer: Account, request: Any) -> list[Any]:
    response = await client.get(f"/v1/requests/{request['id']}/candidates", headers=viewer.headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def _names(found: list[Any]) -> list[str]:
    return [c["helper"]["display_name"] for c in found]


async def _helper(client: httpx.AsyncClient, name: str, **offer: object) -> Account:
    helper = await register(client, display_name=name)
    await post_offer(client, helper, category="shopping", title=f"{name} shops", **offer)
    return helper


async def test_someone_you_know_comes_first_and_every_candidate_says_why(
    client: httpx.AsyncClient,
) -> None:
    requester = await register(client, display_name="Rosa")
    known = await _helper(client, "Kim")
    await _helper(client, "Sam")
    friend_without_offer = await register(client, display_name="Fay")
    await register(client, display_name="Stranger without an offer")
    await _helper(client, "Far away", location=FAR)
    await connect(client, requester, known)
    await connect(client, requester, friend_without_offer)
    request = await post_request(client, requester)

    found = await _candidates(client, requester, request)

    assert set(_names(found)) == {"Kim", "Sam", "Fay"}
    assert _names(found)[0] == "Kim"
    kim, sam = found[0], next(c for c in found if c["helper"]["display_name"] == "Sam")
    assert kim["score"] > sam["score"]
    assert ("tie", "you are connected") in [(r["kind"], r["text"]) for r in kim["reasons"]]
    assert [r["text"] for r in sam["reasons"] if r["kind"] == "proximity"] == ["under 1 km away"]
    assert kim["offer"]["title"] == "Kim shops"
    fay = next(c for c in found if c["helper"]["display_name"] == "Fay")
    assert fay["offer"] is None
    assert kim["offer"]["cell"] is None  # nobody's cell, nor any coordinates
    assert "lat" not in str(found)


async def test_blocked_suspended_quiet_or_full_helpers_never_appear(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    requester = await register(client, display_name="Rosa")
    await _helper(client, "Open")
    blocked, blocker = await _helper(client, "Blocked"), await _helper(client, "Blocker")
    suspended, quiet, full = (
        await _helper(client, "Suspended"),
        await _helper(client, "Quiet"),
        await _helper(client, "Full"),
    )
    await client.post(
        "/v1/blocks", headers=requester.headers, json={"resident_id": str(blocked.id)}
    )
    await client.post(
        "/v1/blocks", headers=blocker.headers, json={"resident_id": str(requester.id)}
    )
    row = await session.get(Resident, suspended.id)
    assert row is not None
    row.status = ResidentStatus.suspended
    await session.commit()
    now = datetime.now(ZoneInfo("Europe/London"))
    quiet_hours = {
        "start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "end": (now + timedelta(hours=1)).strftime("%H:%M"),
    }
    made_quiet = await client.patch(
        "/v1/me", headers=quiet.headers, json={"quiet_hours": quiet_hours}
    )
    made_full = await client.patch("/v1/me", headers=full.headers, json={"weekly_help_cap": 0})
    assert made_quiet.status_code == 200, made_quiet.text
    assert made_full.status_code == 200
    request = await post_request(client, requester)

    assert _names(await _candidates(client, requester, request)) == ["Open"]


async def test_circle_and_vetted_requests_narrow_the_candidates(
    client: httpx.AsyncClient,
) -> None:
    requester = await register(client, display_name="Rosa")
    known, _stranger = await _helper(client, "Kim"), await _helper(client, "Sam")
    await connect(client, requester, known)
    circle = await post_request(client, requester, eligibility="circle")
    vetted = await post_request(client, requester, eligibility="vetted", title="Vetted only")

    assert _names(await _candidates(client, requester, circle)) == ["Kim"]
    assert await _candidates(client, requester, vetted) == []


async def test_only_the_requester_and_local_connectors_see_candidates(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    requester, neighbour = await register(client), await register(client)
    connector = await make_connector(client, session)
    await _helper(client, "Kim")
    request = await post_request(client, requester)

    as_neighbour = await client.get(
        f"/v1/requests/{request['id']}/candidates", headers=neighbour.headers
    )

    assert as_neighbour.status_code == 404
    assert _names(await _candidates(client, connector, request)) == ["Kim"]


async def test_a_closed_request_has_no_candidates(client: httpx.AsyncClient) -> None:
    requester = await register(client)
    request = await post_request(client, requester)
    cancelled = await client.delete(
        f"/v1/requests/{request['id']}", headers=requester.headers | {"If-Match": "*"}
    )
    assert cancelled.status_code == 204, cancelled.text

    response = await client.get(
        f"/v1/requests/{request['id']}/candidates", headers=requester.headers
    )

    assert response.status_code == 409
    assert "cancelled" in response.json()["detail"]


async def test_nearer_comes_first_when_nothing_else_differs(client: httpx.AsyncClient) -> None:
    requester = await register(client, display_name="Rosa")
    farther = {"lat": HOME["lat"] + 0.025, "lon": HOME["lon"]}  # ~2.8 km
    await _helper(client, "Farther", location=farther, radius_m=5000)
    await _helper(client, "Nearer", location=NEAR)
    request = await post_request(client, requester, radius_m=5000)

    assert _names(await _candidates(client, requester, request)) == ["Nearer", "Farther"]


async def test_an_offer_shared_with_a_circle_reaches_only_that_circle(
    client: httpx.AsyncClient,
) -> None:
    requester, stranger = await register(client, display_name="Rosa"), await register(client)
    kim = await register(client, display_name="Kim")
    await post_offer(client, kim, category="shopping", title="For friends", visibility="circle")
    for_stranger = await post_request(client, stranger)
    await connect(client, requester, kim)
    for_friend = await post_request(client, requester)

    assert await _candidates(client, stranger, for_stranger) == []
    (found,) = await _candidates(client, requester, for_friend)
    assert found["offer"]["title"] == "For friends"
