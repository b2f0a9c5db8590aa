import uuid

import httpx
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.neighbourhoods import NeighbourhoodCell
from tests.factories import HOME, Account, make_admin, register

AREA = {"name": "Old Market", "lat": HOME["lat"], "lon": HOME["lon"], "radius_m": 1000}


async def _create(
    client: httpx.AsyncClient, admin: Account, **changes: object
) -> dict[str, object]:
    response = await client.post("/v1/neighbourhoods", headers=admin.headers, json=AREA | changes)
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def test_admin_creates_a_neighbourhood_of_cells(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(client, session)
    area = await _create(client, admin)

    stored = await session.exec(
        select(func.count())
        .select_from(NeighbourhoodCell)
        .where(NeighbourhoodCell.neighbourhood_id == uuid.UUID(str(area["id"])))
    )
    assert area["cell_count"] == stored.one()
    # 1 km around a point is ~3.1 km²; a resolution-8 cell is ~0.74 km².
    assert 3 <= int(str(area["cell_count"])) <= 8
    read = await client.get(f"/v1/neighbourhoods/{area['id']}", headers=admin.headers)
    assert read.json() == area


async def test_residents_cannot_create_or_appoint(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(client, session)
    area = await _create(client, admin)
    resident = await register(client)

    create = await client.post("/v1/neighbourhoods", headers=resident.headers, json=AREA)
    appoint = await client.put(
        f"/v1/neighbourhoods/{area['id']}/connectors/{resident.id}", headers=resident.headers
    )

    # Admin-only operations do not exist for anyone else.
    assert create.status_code == appoint.status_code == 404


async def test_appointing_and_removing_a_connector(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(client, session)
    area = await _create(client, admin)
    helper = await register(client, display_name="Connie")
    path = f"/v1/neighbourhoods/{area['id']}/connectors/{helper.id}"

    first = await client.put(path, headers=admin.headers)
    repeat = await client.put(path, headers=admin.headers)
    read = await client.get(f"/v1/neighbourhoods/{area['id']}", headers=helper.headers)
    me = await client.get("/v1/me", headers=helper.headers)

    assert first.status_code == repeat.status_code == 204
    assert [c["display_name"] for c in read.json()["connectors"]] == ["Connie"]
    assert me.json()["roles"]["connector_of"] == [area["id"]]

    removed = await client.delete(path, headers=admin.headers)
    again = await client.delete(path, headers=admin.headers)
    assert removed.status_code == 204
    assert again.status_code == 404
    read = await client.get(f"/v1/neighbourhoods/{area['id']}", headers=helper.headers)
    assert read.json()["connectors"] == []


async def test_unknown_ids_are_404(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_admin(client, session)
    area = await _create(client, admin)
    nobody = uuid.uuid4()

    missing_area = await client.get(f"/v1/neighbourhoods/{nobody}", headers=admin.headers)
    missing_resident = await client.put(
        f"/v1/neighbourhoods/{area['id']}/connectors/{nobody}", headers=admin.headers
    )
    not_a_uuid = await client.get("/v1/neighbourhoods/elm-street", headers=admin.headers)

    assert missing_area.status_code == missing_resident.status_code == 404
    assert not_a_uuid.status_code == 422


async def test_membership_follows_the_area(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(client, session)
    inside = await register(client)
    outside = await register(client, home={"lat": HOME["lat"] + 0.05, "lon": HOME["lon"]})
    area = await _create(client, admin)

    inside_me = (await client.get("/v1/me", headers=inside.headers)).json()
    outside_me = (await client.get("/v1/me", headers=outside.headers)).json()

    # Membership is found at read time, so residents registered before the area belong too.
    assert [n["id"] for n in inside_me["neighbourhoods"]] == [area["id"]]
    assert outside_me["neighbourhoods"] == []


async def test_radius_limits(client: httpx.AsyncClient, session: AsyncSession) -> None:
    admin = await make_admin(client, session)
    tiny = await client.post(
        "/v1/neighbourhoods", headers=admin.headers, json=AREA | {"radius_m": 50}
    )
    huge = await client.post(
        "/v1/neighbourhoods", headers=admin.headers, json=AREA | {"radius_m": 50_000}
    )
    assert tiny.status_code == huge.status_code == 422
