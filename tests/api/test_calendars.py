"""Calendar files parse back (icalendar) and agree with the API's own occurrences."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import time_machine
from dateutil.rrule import rrulestr
from icalendar import Calendar

from tests.api.test_events import SPRING, host_event, listing
from tests.api.test_rsvps import answer
from tests.factories import register


@pytest.fixture(autouse=True)
def before_the_events() -> Any:
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=UTC), tick=True):
        yield


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _expand(ics: bytes, start: datetime, end: datetime) -> set[datetime]:
    """Every occurrence an RFC 5545 reader would show: the rule from DTSTART in local time,
    less EXDATEs, with RECURRENCE-ID overrides applied."""
    events = Calendar.from_ical(ics).walk("VEVENT")
    master = next(e for e in events if "RECURRENCE-ID" not in e)
    first = master.decoded("DTSTART")
    # A zoned DTSTART: dateutil keeps the wall-clock time and compares UNTIL in UTC.
    rule = rrulestr(_text(master["RRULE"].to_ical()), dtstart=first)
    exdate = master.get("EXDATE")
    excluded = {d.dt for d in exdate.dts} if exdate else set()
    moved = {
        e.decoded("RECURRENCE-ID"): e.decoded("DTSTART") for e in events if "RECURRENCE-ID" in e
    }
    found = set()
    for local in [first, *rule.between(start, end, inc=True)]:
        if local not in excluded:
            found.add(moved.get(local, local).astimezone(UTC))
    return {moment for moment in found if start <= moment < end}


async def test_an_events_file_agrees_with_the_api(client: httpx.AsyncClient) -> None:
    host, neighbour = await register(client), await register(client)
    event = await host_event(client, host, rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270406T170000Z")
    path = f"/v1/events/{event['id']}"
    await client.delete(f"{path}/occurrences/2027-03-16", headers=host.headers)
    await client.put(
        f"{path}/occurrences/2027-03-23",
        headers=host.headers,
        json={"starts_at": "2027-03-24T19:00:00", "ends_at": "2027-03-24T21:00:00"},
    )

    response = await client.get(f"{path}/calendar.ics", headers=neighbour.headers)
    api_starts = {
        datetime.fromisoformat(item["starts_at"]).astimezone(UTC)
        for item in (await listing(client, neighbour, **SPRING))["items"]
    }

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    master = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert master["SUMMARY"] == "Tuesday supper"
    assert master.decoded("SEQUENCE") == 3  # created, then two changes
    assert "UNTIL=20270406T170000Z" in _text(master["RRULE"].to_ical())
    window = (datetime(2027, 3, 8, tzinfo=UTC), datetime(2027, 4, 7, tzinfo=UTC))
    assert _expand(response.content, *window) == api_starts
    assert len(api_starts) == 4  # 9, 24 (moved), 30 March, 6 April; the 16th cancelled


async def test_a_private_feed_of_what_i_am_going_to(client: httpx.AsyncClient) -> None:
    host, guest = await register(client), await register(client)
    event = await host_event(client, host)
    for day in ("2027-03-09", "2027-03-16"):
        await answer(client, guest, event, "going", day=day)
    await answer(client, guest, event, "maybe", day="2027-03-23")

    first = (await client.post("/v1/me/calendar-feed", headers=guest.headers)).json()
    await client.delete(f"/v1/events/{event['id']}/occurrences/2027-03-16", headers=host.headers)
    feed = await client.get(first["path"])  # no sign-in: calendar apps cannot
    rotated = (await client.post("/v1/me/calendar-feed", headers=guest.headers)).json()
    old = await client.get(first["path"])
    await client.delete("/v1/me/calendar-feed", headers=guest.headers)
    stopped = await client.get(rotated["path"])

    assert feed.status_code == 200
    entries = {
        e.decoded("DTSTART").astimezone(UTC): str(e["STATUS"])
        for e in Calendar.from_ical(feed.content).walk("VEVENT")
    }
    assert entries == {
        datetime(2027, 3, 9, 18, tzinfo=UTC): "CONFIRMED",
        datetime(2027, 3, 16, 18, tzinfo=UTC): "CANCELLED",
    }
    assert old.status_code == 404
    assert stopped.status_code == 404
