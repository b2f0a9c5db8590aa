import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.db import Database
from api.settings import Settings
from tests.factories import register


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200


async def test_readyz_fails_when_the_database_is_gone(settings: Settings) -> None:
    unreachable = settings.model_copy(
        update={"database_url": "postgresql+asyncpg://nobody@127.0.0.1:1/none"}
    )
    app = create_app(unreachable, database=Database.connect(unreachable.database_url))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable", "read_model": "off"}


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    account = await register(client)
    await client.get("/v1/me", headers=account.headers)
    await client.get("/v1/neighbourhoods/00000000-0000-0000-0000-000000000000")

    text = (await client.get("/metrics")).text

    assert 'kith_http_requests_total{method="GET",route="/v1/me",status="200"} 1.0' in text
    assert 'route="/v1/neighbourhoods/{neighbourhood_id}",status="401"' in text
    assert "00000000-0000" not in text  # ids never become label values


async def test_responses_carry_a_request_id(client: httpx.AsyncClient) -> None:
    mine = "7d4a8b2e-1c3f-4e5a-9b6d-0f1e2d3c4b5a"
    echoed = await client.get("/healthz", headers={"X-Request-ID": mine})
    generated = await client.get("/healthz")

    assert echoed.headers["x-request-id"] == mine
    assert len(generated.headers["x-request-id"]) == 32
