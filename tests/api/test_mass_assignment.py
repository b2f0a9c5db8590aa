"""Mass assignment: a write body naming a field it does not declare (a role, a status, an
owner, a counter, an id) is refused with 422 and changes nothing, rather than the field being
silently dropped or, worse, applied."""

from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.offers import Offer
from models.residents import Resident
from tests.api.test_offers import offer_body, post_offer
from tests.factories import register

PRIVILEGED = {
    "id": "00000000-0000-4000-8000-000000000000",
    "owner_id": "00000000-0000-4000-8000-000000000000",
    "status": "suspended",
    "is_admin": True,
    "version": 99,
    "verified": True,
    "created_at": "2020-01-01T00:00:00Z",
}


def _objects(schema: dict[str, Any], components: dict[str, Any], seen: set[str]) -> list[str]:
    """Names of every object schema reachable from `schema` that accepts unknown fields."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        target = components[name]
        lax = (
            [name]
            if target.get("properties") and target.get("additionalProperties") is not False
            else []
        )
        return lax + _objects({k: v for k, v in target.items() if k != "$ref"}, components, seen)
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            found += _objects(option, components, seen)
    if "items" in schema:
        found += _objects(schema["items"], components, seen)
    for prop in schema.get("properties", {}).values():
        found += _objects(prop, components, seen)
    return found


async def test_every_json_body_refuses_fields_it_does_not_declare(app: FastAPI) -> None:
    spec = app.openapi()
    components = spec["components"]["schemas"]
    lax: set[str] = set()
    for item in spec["paths"].values():
        for operation in item.values():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                lax.update(_objects(content["application/json"]["schema"], components, set()))
    assert lax == set()


async def test_a_resident_cannot_make_themselves_admin_or_change_their_status(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    robin = await register(client)

    answers = [
        await client.patch("/v1/me", headers=robin.headers, json={"bio": "Hi", field: value})
        for field, value in PRIVILEGED.items()
    ]

    assert {a.status_code for a in answers} == {422}
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
    me = await session.get(Resident, robin.id)
    assert me is not None
    await session.refresh(me)
    assert (me.is_admin, me.status.value, me.bio, me.version) == (False, "active", "", 1)


async def test_a_post_cannot_be_created_or_edited_with_privileged_fields(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    owner, other = await register(client), await register(client)
    offer = await post_offer(client, owner)
    count = select(func.count()).select_from(Offer).where(col(Offer.owner_id) == owner.id)
    before = (await session.exec(count)).one()

    created = [
        await client.post("/v1/offers", headers=owner.headers, json=offer_body(**{field: value}))
        for field, value in {**PRIVILEGED, "owner_id": str(other.id)}.items()
    ]
    edited = await client.patch(
        f"/v1/offers/{offer['id']}",
        headers=owner.headers | {"If-Match": '"1"'},
        json={"title": "New", "owner_id": str(other.id)},
    )
    after = (await session.exec(count)).one()
    stored = await client.get(f"/v1/offers/{offer['id']}", headers=owner.headers)

    assert {c.status_code for c in created} == {422}
    assert edited.status_code == 422
    assert after == before
    assert stored.json()["title"] == offer["title"]
    assert stored.json()["version"] == 1
