import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from services import geo
from tests.factories import HOME, make_admin, register

ELSEWHERE = {"lat": 53.4808, "lon": -2.2426}  # Manchester, far from HOME


async def test_patch_changes_only_what_is_sent(client: httpx.AsyncClient) -> None:
    account = await register(client, bio="Gardener")
    response = await client.patch(
        "/v1/me",
        headers=account.headers,
        json={"display_name": "Robin H.", "skills": ["DIY", "cooking"], "languages": ["en", "cy"]},
    )

    assert response.status_code == 200
    me = response.json()
    assert me["display_name"] == "Robin H."
    assert me["bio"] == "Gardener"
    assert me["skills"] == ["DIY", "cooking"]
    assert me["languages"] == ["en", "cy"]


async def test_patch_refuses_explicit_nulls_and_oversized_lists(client: httpx.AsyncClient) -> None:
    account = await register(client)
    null = await client.patch("/v1/me", headers=account.headers, json={"display_name": None})
    many = await client.patch(
        "/v1/me", headers=account.headers, json={"skills": [f"s{i}" for i in range(21)]}
    )

    assert null.status_code == many.status_code == 422
    unchanged = await client.get("/v1/me", headers=account.headers)
    assert unchanged.json()["display_name"] == "Robin"


async def test_moving_home_recomputes_neighbourhoods(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    admin = await make_admin(client, session)
    created = await client.post(
        "/v1/neighbourhoods",
        headers=admin.headers,
        json={"name": "Old Market", "lat": HOME["lat"], "lon": HOME["lon"], "radius_m": 800},
    )
    assert created.status_code == 201
    account = await register(client)
    before = (await client.get("/v1/me", headers=account.headers)).json()

    moved = await client.patch("/v1/me", headers=account.headers, json={"home": ELSEWHERE})

    assert [n["name"] for n in before["neighbourhoods"]] == ["Old Market"]
    assert moved.json()["neighbourhoods"] == []
    assert moved.json()["home_cell"] == geo.cell_of(ELSEWHERE["lat"], ELSEWHERE["lon"], 8)


async def test_coarse_location_keeps_the_parent_cell(client: httpx.AsyncClient) -> None:
    account = await register(client)
    coarse = await client.patch("/v1/me", headers=account.headers, json={"coarse_location": True})
    finer = await client.patch("/v1/me", headers=account.headers, json={"coarse_location": False})

    assert coarse.status_code == 200
    assert coarse.json()["home_cell"] == geo.cell_of(HOME["lat"], HOME["lon"], 7)
    assert coarse.json()["coarse_location"] is True
    # The fine cell was dropped, so it cannot be restored without a new point.
    assert finer.status_code == 422
    assert finer.json()["errors"][0]["loc"] == ["body", "home"]


async def test_coarse_registration(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={
            "email": "coarse-person@example.org",
            "password": "plum-orchard-lantern-42",
            "display_name": "Quiet",
            "home": HOME,
            "coarse_location": True,
        },
    )
    assert response.json()["home_cell"] == geo.cell_of(HOME["lat"], HOME["lon"], 7)


async def test_me_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/me")
    assert response.status_code == 401
    assert response.json()["title"] == "Not signed in"


async def test_quiet_hours_are_set_shown_and_cleared(client: httpx.AsyncClient) -> None:
    resident = await register(client)
    quiet = {"start": "21:30", "end": "07:00"}

    set_ = await client.patch(
        "/v1/me", headers=resident.headers, json={"quiet_hours": quiet, "timezone": "Europe/Paris"}
    )
    empty = await client.patch(
        "/v1/me", headers=resident.headers, json={"quiet_hours": {"start": "09:00", "end": "09:00"}}
    )
    unknown_zone = await client.patch(
        "/v1/me", headers=resident.headers, json={"timezone": "Mars/Olympus"}
    )
    cleared = await client.patch("/v1/me", headers=resident.headers, json={"quiet_hours": None})

    assert set_.status_code == 200
    assert (set_.json()["quiet_hours"], set_.json()["timezone"]) == (quiet, "Europe/Paris")
    assert empty.status_code == 422
    assert unknown_zone.status_code == 422
    assert cleared.json()["quiet_hours"] is None
