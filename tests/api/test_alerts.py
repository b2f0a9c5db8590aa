"""Fair alerts for new requests, under a stopped clock: waves that start with the requester's
ties and widen over time, stand-down once enough said yes, the daily cap, the duty switch,
quiet hours, and saying no."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.settings import Settings, alerting
from models.alerts import Alert
from models.notifications import Notification, NotificationKind
from services import alerts
from tests.api.conftest import START, long_sign_ins
from tests.api.test_offers import post_offer
from tests.api.test_requests import post_request
from tests.factories import Account, connect, register, sign_in

MINUTE = timedelta(minutes=1)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return long_sign_ins(database_url)


async def _helpers(client: httpx.AsyncClient, count: int, prefix: str = "Helper") -> list[Account]:
    """Neighbours with a shopping offer, so each is a candidate for a shopping request."""
    made = []
    for n in range(count):
        helper = await register(client, display_name=f"{prefix} {n}")
        await post_offer(client, helper, category="shopping", title="Happy to shop")
        made.append(helper)
    return made


async def _alerted(session: AsyncSession, request: Any) -> dict[uuid.UUID, int]:
    rows = await session.exec(
        select(Alert.helper_id, Alert.wave).where(Alert.request_id == uuid.UUID(request["id"]))
    )
    return dict(rows.all())


async def _told(session: AsyncSession, kind: NotificationKind) -> set[uuid.UUID]:
    rows = await session.exec(select(Notification.resident_id).where(Notification.kind == kind))
    return set(rows.all())


async def _waves_due(session: AsyncSession, settings: Settings, at: datetime) -> int:
    return (await alerts.send_due(session, at, alerting(settings))).alerts


async def test_the_first_wave_starts_with_ties_and_waves_widen_until_a_yes(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    rosa = await register(client, display_name="Rosa")
    friend = await register(client, display_name="Friend")  # no offer: known, so asked
    await connect(client, rosa, friend)
    helpers = await _helpers(client, 8)

    request = await post_request(client, rosa, title="Shopping for the week")
    first = await _alerted(session, request)
    early = await _waves_due(session, settings, START + 10 * MINUTE)
    second_sent = await _waves_due(session, settings, START + 16 * MINUTE)
    second = await _alerted(session, request)
    clock.move_to(START + 20 * MINUTE)
    volunteer = next(h for h in helpers if second.get(h.id) == 2)
    said_yes = await client.post(
        f"/v1/requests/{request['id']}/matches",
        headers=volunteer.headers,
        json={"contact": "07700 900123"},
    )
    after_yes = await _waves_due(session, settings, START + 40 * MINUTE)
    alerts_of_friend = await client.get("/v1/alerts", headers=friend.headers)

    assert len(first) == 3
    assert first[friend.id] == 1  # the tie leads the first wave
    assert early == 0  # nothing before the next wave's time
    assert second_sent == 6  # the second wave is twice the first
    assert sorted(second.values()).count(2) == 6
    assert said_yes.status_code == 201, said_yes.text
    assert after_yes == 0  # enough said yes: no third wave
    stood_down = await _told(session, NotificationKind.alert_stood_down)
    assert stood_down == set(second) - {volunteer.id}
    (friends_alert,) = alerts_of_friend.json()["items"]
    assert (friends_alert["stood_down"], friends_alert["answer"]) == (True, None)
    assert friends_alert["request_title"] == "Shopping for the week"


async def test_the_daily_cap_and_the_duty_switch_hold_alerts_back(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    capped, off_duty = await _helpers(client, 2)
    await client.patch("/v1/me", headers=capped.headers, json={"daily_alert_cap": 1})
    switched = await client.patch("/v1/me", headers=off_duty.headers, json={"on_duty": False})
    askers = [await register(client, display_name=f"Asker {n}") for n in range(3)]

    morning = await post_request(client, askers[0], title="Milk")
    clock.move_to(START + 2 * MINUTE)
    noon = await post_request(client, askers[1], title="Bread")
    clock.move_to(START + timedelta(hours=24, minutes=1))
    askers[2].access_token = (await sign_in(client, askers[2].email))["access_token"]
    next_day = await post_request(client, askers[2], title="Eggs")

    assert switched.json()["on_duty"] is False
    assert set(await _alerted(session, morning)) == {capped.id}
    assert set(await _alerted(session, noon)) == set()  # one alert a day, already had
    assert set(await _alerted(session, next_day)) == {capped.id}  # a new day
    assert off_duty.id not in await _told(session, NotificationKind.help_alert)


async def test_quiet_hours_defer_a_helper_to_a_later_wave(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    (sleeper,) = await _helpers(client, 1)
    await client.patch(
        "/v1/me",
        headers=sleeper.headers,
        json={"quiet_hours": {"start": "09:00", "end": "10:30"}, "timezone": "Europe/London"},
    )
    rosa = await register(client, display_name="Rosa")

    request = await post_request(client, rosa)
    during = await _alerted(session, request)
    clock.move_to(START + 16 * MINUTE)
    still_quiet = await _waves_due(session, settings, START + 16 * MINUTE)
    clock.move_to(START + 32 * MINUTE)
    awake = await _waves_due(session, settings, START + 32 * MINUTE)

    assert during == {}
    assert still_quiet == 0
    assert awake == 1
    assert set(await _alerted(session, request)) == {sleeper.id}


async def test_when_everyone_alerted_says_no_the_next_wave_goes_at_once(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    helpers = await _helpers(client, 5)
    rosa = await register(client, display_name="Rosa")
    request = await post_request(client, rosa)
    first = await _alerted(session, request)
    by_id = {h.id: h for h in helpers}

    answers = []
    for helper_id in first:
        (alert,) = (await client.get("/v1/alerts", headers=by_id[helper_id].headers)).json()[
            "items"
        ]
        answers.append(
            await client.post(f"/v1/alerts/{alert['id']}/decline", headers=by_id[helper_id].headers)
        )
    again = await client.post(
        f"/v1/alerts/{answers[0].json()['id']}/decline", headers=by_id[next(iter(first))].headers
    )
    stranger = await client.post(
        f"/v1/alerts/{answers[0].json()['id']}/decline", headers=rosa.headers
    )
    sent_now = await _waves_due(session, settings, START + MINUTE)

    assert [a.json()["answer"] for a in answers] == ["no"] * 3
    assert again.status_code == 200  # safe to repeat
    assert stranger.status_code == 404
    assert sent_now == 2  # the rest, without waiting a quarter of an hour
    assert set(await _alerted(session, request)) == {h.id for h in helpers}


async def test_requests_a_connector_arranges_are_not_broadcast(
    client: httpx.AsyncClient, session: AsyncSession, clock: time_machine.Traveller
) -> None:
    await _helpers(client, 2)
    rosa = await register(client, display_name="Rosa")

    arranged = await post_request(client, rosa, eligibility="via_connector")
    broadcast = await post_request(client, rosa)

    assert await _alerted(session, arranged) == {}
    assert len(await _alerted(session, broadcast)) == 2  # the same helpers, for comparison


async def test_cancelling_a_request_stands_down_everyone_alerted(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    helpers = await _helpers(client, 2)
    rosa = await register(client, display_name="Rosa")
    request = await post_request(client, rosa, title="Lift to the clinic")

    cancelled = await client.delete(
        f"/v1/requests/{request['id']}", headers=rosa.headers | {"If-Match": '"1"'}
    )
    told_at_once = await _told(session, NotificationKind.alert_stood_down)
    later = await _waves_due(session, settings, START + 20 * MINUTE)

    assert cancelled.status_code == 204, cancelled.text
    assert told_at_once == {h.id for h in helpers}  # not at the next wave's time
    assert later == 0


async def test_when_a_yes_falls_through_the_waves_start_again(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    helpers = await _helpers(client, 5)
    by_id = {h.id: h for h in helpers}
    rosa = await register(client, display_name="Rosa")
    request = await post_request(client, rosa, title="Sandbags")
    first = await _alerted(session, request)
    volunteer = by_id[next(iter(first))]
    said_yes = await client.post(
        f"/v1/requests/{request['id']}/matches", headers=volunteer.headers, json={}
    )
    while_covered = await _waves_due(session, settings, START + 20 * MINUTE)

    clock.move_to(START + 25 * MINUTE)
    stepped_back = await client.post(
        f"/v1/matches/{said_yes.json()['id']}/cancel", headers=volunteer.headers
    )
    again = await _waves_due(session, settings, START + 25 * MINUTE)

    assert said_yes.status_code == 201, said_yes.text
    assert while_covered == 0
    assert stepped_back.status_code == 200, stepped_back.text
    assert again == 2  # the two not yet asked
    assert set(await _alerted(session, request)) == set(by_id)


async def test_a_request_handed_to_a_connector_stops_its_waves(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    helpers = await _helpers(client, 5)
    rosa = await register(client, display_name="Rosa")
    request = await post_request(client, rosa, title="A lift to the hospital")
    first = await _alerted(session, request)

    handed_over = await client.patch(
        f"/v1/requests/{request['id']}",
        headers=rosa.headers | {"If-Match": '"1"'},
        json={"eligibility": "via_connector"},
    )
    later = await _waves_due(session, settings, START + 20 * MINUTE)

    assert handed_over.status_code == 200, handed_over.text
    assert later == 0
    assert await _told(session, NotificationKind.alert_stood_down) == set(first)
    assert len(first) < len(helpers)  # there were more to ask
