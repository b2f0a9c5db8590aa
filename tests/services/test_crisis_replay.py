"""The crisis replay: the real waves on a seeded city, rolled back after each run, so that
the same seed gives the same report and the city is left as it was."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from api.db import Database
from api.migrate import upgrade
from api.settings import alerting
from models.alerts import Alert
from models.base import utcnow
from services import city, crisis_replay, demo
from services.passwords import PasswordHasher
from tests.conftest import test_settings as settings_for
from tests.databases import fresh_database


@pytest.fixture
async def seeded_city(tmp_path: Path) -> AsyncIterator[Database]:
    async with fresh_database(tmp_path) as url:
        await upgrade(url)
        database = Database.connect(url)
        settings = settings_for(url)
        hasher = PasswordHasher(settings.auth.argon2_time_cost, settings.auth.argon2_memory_kib)
        await city.seed(database.transaction, hasher, demo.RESIDENTS)
        try:
            yield database
        finally:
            await database.dispose()


async def _run(database: Database, crisis: bool) -> dict[str, object]:
    start = datetime.combine(utcnow().date() + timedelta(days=1), datetime.min.time(), UTC)
    scenario = crisis_replay.Scenario(
        requests=12, seed=7, start=start + timedelta(hours=8), hours=6
    )
    async with database.sessionmaker() as session:
        outcome = await crisis_replay.replay(
            session, alerting(settings_for("sqlite://")), scenario, crisis
        )
        await session.rollback()
    return outcome.report()


async def test_the_same_seed_gives_the_same_report_and_leaves_the_city_as_it_was(
    seeded_city: Database,
) -> None:
    first = await _run(seeded_city, crisis=False)
    again = await _run(seeded_city, crisis=False)
    in_crisis = await _run(seeded_city, crisis=True)
    async with seeded_city.transaction() as session:
        alerts_left = (await session.exec(select(func.count()).select_from(Alert))).one()

    assert first == again
    assert first["requests"] == in_crisis["requests"] == 12
    for report in (first, in_crisis):
        load = report["alerts_per_helper"]
        assert isinstance(load, dict)
        assert load["helpers_alerted"] > 0
        assert load["max"] <= 3  # nobody past the default daily cap, however urgent
        assert 0 < float(str(report["share_met"])) <= 1
    assert alerts_left == 0


def test_percentiles_are_nearest_rank() -> None:
    values = list(range(1, 101))

    assert crisis_replay.percentile(values, 50) == 50.0
    assert crisis_replay.percentile(values, 95) == 95.0
    assert crisis_replay.percentile([4], 95) == 4.0
    assert crisis_replay.percentile([], 50) is None
