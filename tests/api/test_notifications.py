"""The in-app inbox: newest first, paged, read once."""

from typing import Any

import httpx

from tests.factories import Account, register


async def _inbox(client: httpx.AsyncClient, who: Account, **params: str | int | bool) -> Any:
    response = await client.get("/v1/notifications", headers=who.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_connection_asks_arrive_newest_first_and_are_read_once(
    client: httpx.AsyncClient,
) -> None:
    rosa = await register(client, display_name="Rosa")
    askers = [await register(client, display_name=f"Asker {n}") for n in range(3)]
    for asker in askers:
        asked = await client.post(
            "/v1/connections", headers=asker.headers, json={"resident_id": str(rosa.id)}
        )
        assert asked.status_code == 201

    first_page = await _inbox(client, rosa, limit=2)
    items = first_page["items"]
    second_page = await _inbox(client, rosa, limit=2, cursor=str(first_page["next_cursor"]))
    read = await client.post(f"/v1/notifications/{items[0]['id']}/read", headers=rosa.headers)
    again = await client.post(f"/v1/notifications/{items[0]['id']}/read", headers=rosa.headers)
    unread = await _inbox(client, rosa, unread=True)
    by_other = await client.post(
        f"/v1/notifications/{items[0]['id']}/read", headers=askers[0].headers
    )

    assert [n["title"] for n in items] == [
        "Asker 2 would like to connect with you.",
        "Asker 1 would like to connect with you.",
    ]
    assert [n["kind"] for n in second_page["items"]] == ["connection_ask"]
    assert second_page["next_cursor"] is None
    assert read.json()["read_at"] is not None
    assert again.json()["read_at"] == read.json()["read_at"]
    assert len(unread["items"]) == 2
    assert by_other.status_code == 404


async def test_an_ask_in_the_quiet_period_after_a_no_is_never_announced(
    client: httpx.AsyncClient,
) -> None:
    rosa, asker = await register(client), await register(client)
    asked = await client.post(
        "/v1/connections", headers=asker.headers, json={"resident_id": str(rosa.id)}
    )
    await client.post(f"/v1/connections/{asked.json()['id']}/decline", headers=rosa.headers)
    await client.delete(f"/v1/connections/{asked.json()['id']}", headers=asker.headers)
    again = await client.post(
        "/v1/connections", headers=asker.headers, json={"resident_id": str(rosa.id)}
    )

    assert again.status_code == 201
    assert len((await _inbox(client, rosa))["items"]) == 1  # the first ask only
