"""DESIGN.md's location rules, as properties over many generated homes and posts.

(a) two residents in one cell see identical feeds; (b) moving inside your own cell changes
nothing you see; (c) no response to another resident carries the owner's coordinates or
cell id.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import h3
import httpx
import pytest
from asgi_lifespan import LifespanManager
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.db import Database
from api.settings import RateLimitSettings, Settings
from services import geo
from tests.factories import register

# Around Bristol: far enough apart to spread over many cells, near enough to be in reach.
lats = st.floats(min_value=51.44, max_value=51.47)
lons = st.floats(min_value=-2.61, max_value=-2.57)
# A nudge small enough that both ends often share a resolution-8 cell (~460 m edge).
nudges = st.floats(min_value=-0.002, max_value=0.002)

PROPERTY_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)


@pytest.fixture
async def roomy_client(
    settings: Settings, test_database: Database
) -> AsyncIterator[httpx.AsyncClient]:
    unlimited = "100000/minute"
    roomy = settings.model_copy(
        update={
            "rate_limits": RateLimitSettings(
                login_per_account=unlimited,
                login_per_client=unlimited,
                register_per_client=unlimited,
                refresh_per_client=unlimited,
            )
        }
    )
    app = create_app(roomy, database=test_database)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers(item)


async def _feeds(client: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
    offers = await client.get("/v1/offers", headers=headers, params={"within_m": 10000})
    requests = await client.get("/v1/requests", headers=headers, params={"within_m": 10000})
    assert offers.status_code == requests.status_code == 200
    return [offers.json(), requests.json()]


async def _post_both(client: httpx.AsyncClient, headers: dict[str, str], radius: int) -> None:
    for path, body in (
        ("/v1/offers", {"category": "lifts", "title": "Lifts to the station"}),
        ("/v1/requests", {"category": "shopping", "title": "Groceries on Friday"}),
    ):
        response = await client.post(path, headers=headers, json=body | {"radius_m": radius})
        assert response.status_code == 201, response.text


@PROPERTY_SETTINGS
@given(
    owner_lat=lats,
    owner_lon=lons,
    viewer_lat=lats,
    viewer_lon=lons,
    nudge_lat=nudges,
    nudge_lon=nudges,
    radius=st.integers(min_value=100, max_value=10_000),
)
async def test_same_cell_viewers_see_the_same_and_never_the_owners_place(
    roomy_client: httpx.AsyncClient,
    owner_lat: float,
    owner_lon: float,
    viewer_lat: float,
    viewer_lon: float,
    nudge_lat: float,
    nudge_lon: float,
    radius: int,
) -> None:
    twin_lat, twin_lon = viewer_lat + nudge_lat, viewer_lon + nudge_lon
    viewer_cell = geo.cell_of(viewer_lat, viewer_lon, 8)
    assume(geo.cell_of(twin_lat, twin_lon, 8) == viewer_cell)
    client = roomy_client

    owner = await register(client, home={"lat": owner_lat, "lon": owner_lon})
    await _post_both(client, owner.headers, radius)
    viewer = await register(client, home={"lat": viewer_lat, "lon": viewer_lon})
    twin = await register(client, home={"lat": twin_lat, "lon": twin_lon})

    seen_by_viewer = await _feeds(client, viewer.headers)
    seen_by_twin = await _feeds(client, twin.headers)
    # (a) everything location-derived, and the order, is a function of the cell alone.
    assert seen_by_viewer == seen_by_twin

    # (b) moving anywhere inside one's own cell changes nothing one sees.
    moved = await client.patch(
        "/v1/me", headers=viewer.headers, json={"home": {"lat": twin_lat, "lon": twin_lon}}
    )
    assert moved.json()["home_cell"] == viewer_cell
    assert await _feeds(client, viewer.headers) == seen_by_viewer

    # (c) no number that is the owner's coordinate or cell centre; no cell id of theirs.
    owner_cell = geo.cell_of(owner_lat, owner_lon, 8)
    secrets = {owner_lat, owner_lon, *geo.cell_centre(owner_cell)}
    numbers = list(_numbers(seen_by_viewer))
    assert not [n for n in numbers for s in secrets if abs(n - s) < 1e-9]
    assert owner_cell not in str(seen_by_viewer)
    assert h3.cell_to_parent(owner_cell, 7) not in str(seen_by_viewer)
