"""What the alert, crisis and check-in tests share: a clock stopped on a weekday morning,
and sign-ins that outlast the hours those tests move it through."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from api.settings import AuthSettings, Settings
from tests.conftest import test_settings as settings_for

# A Tuesday, 10:00 in London: out of anyone's quiet hours unless a test sets some.
START = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def long_sign_ins(database_url: str) -> Settings:
    """Test settings whose access tokens last a day (a module uses it as its `settings`)."""
    return settings_for(
        database_url,
        auth=AuthSettings(argon2_time_cost=1, argon2_memory_kib=1024, access_ttl_s=86_400),
    )
