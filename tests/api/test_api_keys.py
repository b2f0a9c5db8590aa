"""API keys: shown once, act as one account within their scopes (403 naming the missing
scope), limited to a neighbourhood if so issued, and dead at once when revoked."""

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.test_offers import FAR, post_offer
from tests.factories import Account, make_admin, make_connector, register


async def _issue(
    client: httpx.AsyncClient, admin: Account, acts_as: Account, *scopes: str, **extra: str
) -> httpx.Response:
    return await client.post(
        "/v1/api-keys",
        headers=admin.headers,
        json={"name": "Food bank rota", "resident_id": str(acts_as.id), "scopes": list(scopes),
              **extra},
    )  # fmt: skip


async def test_a_key_acts_within_its_scopes_only(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(client, session)
    org = await register(client, display_name="Food bank")
    await post_offer(client, await register(client), title="Lifts to the station", category="lifts")
    issued = await _issue(client, admin, org, "offers:read", "requests:write")
    key = issued.json()["key"]
    by_header, by_bearer = {"X-API-Key": key}, {"Authorization": f"Bearer {key}"}

    offers = await client.get("/v1/offers", headers=by_header)
    offers_bearer = await client.get("/v1/offers", headers=by_bearer)
    requests = await client.get("/v1/requests", headers=by_header)
    me = await client.get("/v1/me", headers=by_header)
    posted = await client.post(
        "/v1/requests", headers=by_header, json={"category": "shopping", "title": "Food parcels"}
    )
    listed = await client.get("/v1/api-keys", headers=admin.headers)
    by_resident = await _issue(client, org, org, "offers:read")

    assert issued.status_code == 201, issued.text
    assert key.startswith("kith_")
    assert offers.status_code == 200
    assert "Lifts to the station" in offers.text
    assert offers_bearer.status_code == 200
    assert requests.status_code == 403
    assert "requests:read" in requests.json()["detail"]
    assert me.status_code == 403
    assert posted.status_code == 201, posted.text
    assert posted.json()["owner"]["display_name"] == "Food bank"
    (shown,) = listed.json()["items"]
    assert key not in listed.text
    assert shown["prefix"] == key[:12]
    assert shown["last_used_at"] is not None
    assert by_resident.status_code == 404


async def test_a_revoked_or_made_up_key_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(client, session)
    org = await register(client)
    issued = (await _issue(client, admin, org, "offers:read")).json()

    revoked = await client.delete(f"/v1/api-keys/{issued['id']}", headers=admin.headers)
    after = await client.get("/v1/offers", headers={"X-API-Key": issued["key"]})
    made_up = await client.get("/v1/offers", headers={"X-API-Key": "kith_not-a-real-key"})

    assert revoked.status_code == 204
    assert after.status_code == 401
    assert made_up.status_code == 401


async def test_a_key_limited_to_a_neighbourhood_stays_there(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    area = (await client.get("/v1/me", headers=connie.headers)).json()["roles"]["connector_of"][0]
    admin = await make_admin(client, session)
    key = (
        await _issue(client, admin, connie, "health:read", "requests:write", neighbourhood_id=area)
    ).json()["key"]
    headers = {"X-API-Key": key}

    health = await client.get(f"/v1/neighbourhoods/{area}/health", headers=headers)
    inside = await client.post(
        "/v1/requests", headers=headers, json={"category": "shopping", "title": "Here"}
    )
    outside = await client.post(
        "/v1/requests",
        headers=headers,
        json={"category": "shopping", "title": "Far away", "location": FAR},
    )

    assert health.status_code == 200, health.text
    assert inside.status_code == 201
    assert outside.status_code == 403
