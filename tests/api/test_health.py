"""A neighbourhood's health page: aggregates with small numbers hidden, and an outreach list
of only those who said yes to it."""

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.test_reports import _report
from tests.api.test_requests import post_request
from tests.factories import connect, make_connector, register


async def test_health_counts_with_small_numbers_hidden_and_an_opt_in_outreach_list(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    area = (await client.get("/v1/me", headers=connie.headers)).json()["roles"]["connector_of"][0]
    people = [await register(client, display_name=f"P{n}") for n in range(7)]
    for a, b in ((0, 1), (2, 3), (4, 5)):
        await connect(client, people[a], people[b])
    for n in (0, 6):
        opted = await client.patch(
            "/v1/me", headers=people[n].headers, json={"open_to_outreach": True}
        )
        assert opted.json()["open_to_outreach"] is True
    await post_request(client, people[0])
    await _report(client, people[1], "resident", people[2].id)

    page = await client.get(f"/v1/neighbourhoods/{area}/health", headers=connie.headers)
    listed = await client.get(f"/v1/neighbourhoods/{area}/outreach", headers=connie.headers)
    by_resident = await client.get(f"/v1/neighbourhoods/{area}/health", headers=people[0].headers)

    health = page.json()
    assert page.status_code == 200, page.text
    assert health["residents"] == 9  # the admin, Connie and seven neighbours
    assert health["with_a_tie"] == 6
    assert health["share_with_a_tie"] == round(6 / 9, 2)
    assert health["with_three_ties"] == "fewer than 5"
    assert health["share_with_three_ties"] is None
    assert health["isolated"] == "fewer than 5"
    assert health["requests"]["opened"] == "fewer than 5"
    assert [(e["display_name"], e["isolated"]) for e in listed.json()["items"]] == [
        ("P0", False),
        ("P6", True),
    ]
    assert by_resident.status_code == 404
