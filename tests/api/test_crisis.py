"""Crisis batches: a connector plans every open request at once, reads the plan, sends it."""

from datetime import UTC, datetime, timedelta

import httpx
import time_machine
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.test_offers import post_offer
from tests.api.test_requests import post_request
from tests.factories import Account, make_connector, register, sign_in


async def _area(client: httpx.AsyncClient, connector: Account) -> str:
    me = await client.get("/v1/me", headers=connector.headers)
    area: str = me.json()["roles"]["connector_of"][0]
    return area


async def test_a_connector_plans_every_open_request_and_sends_the_plan(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    requesters = [await register(client, display_name=f"Asker {n}") for n in range(3)]
    for n, requester in enumerate(requesters):
        await post_request(client, requester, title=f"Shopping run {n}")
    helpers = [await register(client, display_name=f"Helper {n}") for n in range(2)]
    for helper in helpers:
        await post_offer(client, helper, category="shopping", title="Happy to shop")
    capped = await client.patch("/v1/me", headers=helpers[1].headers, json={"weekly_help_cap": 1})
    assert capped.status_code == 200

    made = await client.post(f"/v1/neighbourhoods/{area}/assignments", headers=connie.headers)
    plan = made.json()
    pairs = await client.get(
        f"/v1/neighbourhoods/{area}/assignments/{plan['id']}/pairs",
        headers=connie.headers,
        params={"limit": 2},
    )
    sent = await client.post(
        f"/v1/neighbourhoods/{area}/assignments/{plan['id']}/commit", headers=connie.headers
    )
    again = await client.post(
        f"/v1/neighbourhoods/{area}/assignments/{plan['id']}/commit", headers=connie.headers
    )
    helper_matches = await client.get("/v1/matches", headers=helpers[0].headers)

    assert made.status_code == 201, made.text
    # Helper 0 may take three a week, Helper 1 one: all three requests are served.
    assert (plan["requests"], plan["helpers"], plan["assigned"], plan["unassigned"]) == (3, 2, 3, 0)
    assert plan["total_score"] >= plan["greedy_total_score"] > 0
    assert len(pairs.json()["items"]) == 2
    assert pairs.json()["next_cursor"] is not None
    assert sent.status_code == 200, sent.text
    assert (sent.json()["proposed"], sent.json()["skipped"]) == (3, 0)
    assert again.status_code == 409
    statuses = {(m["status"], m["origin"]) for m in helper_matches.json()["items"]}
    assert statuses == {("proposed", "connector")}


async def test_only_the_neighbourhoods_connectors_plan_and_plans_go_stale(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    resident = await register(client)

    as_resident = await client.post(
        f"/v1/neighbourhoods/{area}/assignments", headers=resident.headers
    )
    plan = (
        await client.post(f"/v1/neighbourhoods/{area}/assignments", headers=connie.headers)
    ).json()
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
        connie.access_token = (await sign_in(client, connie.email))["access_token"]
        stale = await client.post(
            f"/v1/neighbourhoods/{area}/assignments/{plan['id']}/commit", headers=connie.headers
        )

    assert as_resident.status_code == 404
    assert stale.status_code == 409
