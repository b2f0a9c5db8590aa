"""The synthetic city (`kith demo --residents N`): laid out outwards from the demo, resumable,
and once seeded a place where the API works as anywhere else."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func
from sqlmodel import col, select

from api import cli
from api.app import create_app
from api.db import Database
from api.migrate import upgrade
from models.events import CheckIn
from models.residents import Resident
from models.ties import Tie, TieKind
from services import city, demo
from services.city_layout import PER_NEIGHBOURHOOD, neighbourhoods, resident_email
from services.city_rows import Formed
from services.passwords import PasswordHasher
from tests.conftest import test_settings as settings_for
from tests.databases import fresh_database

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def test_a_larger_city_begins_as_the_smaller_one_and_grows_outwards() -> None:
    small, large = neighbourhoods(5 * PER_NEIGHBOURHOOD), neighbourhoods(60 * PER_NEIGHBOURHOOD)

    assert [(p.name, p.lat, p.lon) for p in small] == [(p.name, p.lat, p.lon) for p in large[:5]]
    assert small[-1].size == large[4].size == PER_NEIGHBOURHOOD
    distance = [abs(p.lat - large[0].lat) + abs(p.lon - large[0].lon) for p in large]
    assert max(distance[:8]) < max(distance[-8:])  # nearest first
    assert len({p.name for p in large}) == len(large)
    assert neighbourhoods(PER_NEIGHBOURHOOD + 1)[-1].size == 1


def test_ties_formed_again_count_again_and_keep_the_latest_occasion() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    formed = [
        Formed(a, b, TieKind.met, T0, "supper"),
        Formed(b, a, TieKind.met, T0 + timedelta(days=7), "litter pick"),
        Formed(a, b, TieKind.vouched, T0),
    ]

    rows = {(r["resident_id"], r["kind"]): r for r in city.tie_rows(formed)}

    assert set(rows) == {(a, "met"), (b, "met"), (a, "vouched")}  # a vouch is one-sided
    met = rows[a, "met"]
    assert (met["times"], met["since"], met["last_at"]) == (2, T0, T0 + timedelta(days=7))
    assert met["context"] == "litter pick"


def test_the_cli_knows_the_demo_size() -> None:
    assert cli.DEMO_RESIDENTS == demo.RESIDENTS


@pytest.fixture
async def own_database(tmp_path: Path) -> AsyncIterator[str]:
    async with fresh_database(tmp_path) as url:
        await upgrade(url)
        yield url


async def test_a_city_resumes_where_it_stopped_and_serves_its_residents(
    own_database: str,
) -> None:
    settings = settings_for(own_database)
    database = Database.connect(own_database)
    hasher = PasswordHasher(settings.auth.argon2_time_cost, settings.auth.argon2_memory_kib)
    try:
        first = await city.seed(database.transaction, hasher, demo.RESIDENTS + PER_NEIGHBOURHOOD)
        resumed = await city.seed(
            database.transaction, hasher, demo.RESIDENTS + 2 * PER_NEIGHBOURHOOD
        )
        again = await city.seed(
            database.transaction, hasher, demo.RESIDENTS + 2 * PER_NEIGHBOURHOOD
        )
        async with database.transaction() as session:
            people = await session.exec(
                select(func.count()).where(col(Resident.email).like("n%.r%@%"))
            )
            kinds = set((await session.exec(select(Tie.kind).distinct())).all())
            check_ins = (await session.exec(select(func.count()).select_from(CheckIn))).one()
    finally:
        await database.engine.dispose()

    assert (first.written, resumed.written, again.written) == (1, 1, 0)
    assert people.one() == 2 * PER_NEIGHBOURHOOD
    assert kinds == set(TieKind)
    assert check_ins > 0

    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kith") as client:
            signed_in = await client.post(
                "/v1/auth/token",
                data={
                    "username": resident_email(2, 5, demo.DEMO_DOMAIN),
                    "password": demo.DEMO_PASSWORD,
                },
            )
            assert signed_in.status_code == 200, signed_in.text
            me = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            offers = await client.get("/v1/offers", headers=me, params={"within_m": 1500})
            events = await client.get("/v1/events", headers=me, params={"within_m": 3000})
            synced_kinds = await _kinds_on_first_sync(client, me)
            circle = await client.get("/v1/me/circle", headers=me)

    assert offers.status_code == 200, offers.text
    assert len(offers.json()["items"]) == 20  # a full first page of neighbours' offers
    assert events.status_code == 200, events.text
    assert events.json()["items"], "every neighbourhood has its events"
    assert synced_kinds >= {"offer", "event", "tie"}
    assert circle.status_code == 200, circle.text


async def _kinds_on_first_sync(client: httpx.AsyncClient, me: dict[str, str]) -> set[str]:
    kinds: set[str] = set()
    params = {"limit": "500"}
    for _ in range(50):
        page = await client.get("/v1/sync", headers=me, params=params)
        assert page.status_code == 200, page.text
        kinds |= {change["kind"] for change in page.json()["changes"]}
        if not page.json()["more"]:
            return kinds
        params["since"] = page.json()["next_token"]
    raise AssertionError("the first sync did not end")


async def test_a_city_ending_in_a_partial_neighbourhood_refuses_to_grow_past_it(
    own_database: str,
) -> None:
    """Growing it would write neighbours' ties to people the partial one never had: it once
    failed halfway with a foreign-key error."""
    database = Database.connect(own_database)
    hasher = PasswordHasher(1, 1024)
    try:
        await city.seed(database.transaction, hasher, demo.RESIDENTS + PER_NEIGHBOURHOOD // 2)
        with pytest.raises(ValueError, match="ends in a partial neighbourhood") as refused:
            await city.seed(database.transaction, hasher, demo.RESIDENTS + 2 * PER_NEIGHBOURHOOD)
        again = await city.seed(
            database.transaction, hasher, demo.RESIDENTS + PER_NEIGHBOURHOOD // 2
        )
    finally:
        await database.engine.dispose()

    assert f"350 of {PER_NEIGHBOURHOOD} residents" in str(refused.value)
    assert again.written == 0  # the same size again is fine: nothing to add
