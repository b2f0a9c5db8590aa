"""Crisis mode: a connector switches it on and off; while on, alerts go faster and wider,
urgent requests reach the connector queue at once with the batch assignment offered, and
everyone living there is told once."""

import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.settings import Settings, alerting
from models.alerts import Alert
from models.notifications import Notification, NotificationKind
from services import alerts
from tests.api.conftest import START, long_sign_ins
from tests.api.test_crisis import _area
from tests.api.test_offers import post_offer
from tests.api.test_requests import post_request
from tests.factories import Account, connect, make_connector, register

ELSEWHERE = {"lat": 53.4808, "lon": -2.2426}  # Manchester: outside the Bristol area


@pytest.fixture
def settings(database_url: str) -> Settings:
    return long_sign_ins(database_url)


def crisis_body(hours: float = 12, reason: str = "Flooding along the river") -> dict[str, str]:
    return {"reason": reason, "ends_at": (START + timedelta(hours=hours)).isoformat()}


async def switch_on(client: httpx.AsyncClient, connector: Account, area: str) -> Any:
    response = await client.post(
        f"/v1/neighbourhoods/{area}/crisis", headers=connector.headers, json=crisis_body()
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _told(session: AsyncSession, kind: NotificationKind) -> list[uuid.UUID]:
    rows = await session.exec(select(Notification.resident_id).where(Notification.kind == kind))
    return list(rows.all())


async def _queue(client: httpx.AsyncClient, connector: Account) -> list[Any]:
    response = await client.get("/v1/moderation/queue", headers=connector.headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def test_a_connector_switches_it_on_and_off_and_it_is_audited(
    client: httpx.AsyncClient, session: AsyncSession, clock: time_machine.Traveller
) -> None:
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    near = [await register(client, display_name=f"Near {n}") for n in range(2)]
    far = await register(client, display_name="Far", home=ELSEWHERE)

    not_a_connector = await client.post(
        f"/v1/neighbourhoods/{area}/crisis", headers=near[0].headers, json=crisis_body()
    )
    past = await client.post(
        f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers, json=crisis_body(hours=-1)
    )
    too_long = await client.post(
        f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers, json=crisis_body(hours=400)
    )
    on = await switch_on(client, connie, area)
    twice = await client.post(
        f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers, json=crisis_body()
    )
    live = await client.get(f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers)
    told = await _told(session, NotificationKind.crisis_started)
    clock.move_to(START + timedelta(hours=1))
    off = await client.delete(f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers)
    off_again = await client.delete(f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers)
    ended = await client.get(f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers)
    log = (await client.get("/v1/audit", headers=connie.headers)).json()["items"]

    assert not_a_connector.status_code == 404
    assert (past.status_code, too_long.status_code) == (422, 422)
    assert past.headers["content-type"] == "application/problem+json"
    assert (on["live"], on["reason"], on["started_by"]["display_name"]) == (
        True, "Flooding along the river", "Connie",
    )  # fmt: skip
    assert twice.status_code == 409
    assert live.json()["id"] == on["id"]
    # Once each: the connector, the two neighbours and the admin who drew the area; not Far.
    assert len(told) == len(set(told)) == 4
    assert {connie.id, *(n.id for n in near)} <= set(told)
    assert far.id not in told
    assert (off.status_code, off_again.status_code) == (204, 404)
    assert ended.json()["live"] is False
    assert ended.json()["ended_by"]["display_name"] == "Connie"
    crisis_entries = [e for e in log if e["action"].startswith("crisis_")]
    assert [e["action"] for e in crisis_entries] == ["crisis_ended", "crisis_started"]
    assert crisis_entries[1]["reason"] == "Flooding along the river"


async def test_it_ends_by_itself_and_can_be_switched_on_again(
    client: httpx.AsyncClient, session: AsyncSession, clock: time_machine.Traveller
) -> None:
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    first = await switch_on(client, connie, area)

    clock.move_to(START + timedelta(hours=13))
    lapsed = await client.get(f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers)
    again = await client.post(
        f"/v1/neighbourhoods/{area}/crisis", headers=connie.headers, json=crisis_body(hours=20)
    )

    assert lapsed.json()["live"] is False
    ended_at = datetime.fromisoformat(lapsed.json()["ended_at"])
    assert ended_at == datetime.fromisoformat(first["ends_at"])
    assert again.status_code == 201, again.text
    assert again.json()["id"] != first["id"]


async def test_in_a_crisis_waves_are_bigger_and_come_sooner(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    for n in range(14):
        helper = await register(client, display_name=f"Helper {n}")
        await post_offer(client, helper, category="shopping", title="Happy to shop")
    rosa = await register(client, display_name="Rosa")
    calm = await post_request(client, rosa, title="Before")
    await switch_on(client, connie, area)
    crisis = await post_request(client, rosa, title="During")

    async def alerted(request: Any) -> int:
        rows = await session.exec(select(Alert).where(Alert.request_id == uuid.UUID(request["id"])))
        return len(rows.all())

    first_calm, first_crisis = await alerted(calm), await alerted(crisis)
    six_minutes = START + timedelta(minutes=6)
    clock.move_to(six_minutes)
    await alerts.send_due(session, six_minutes, alerting(settings))

    assert first_calm == 3  # the usual first wave
    assert first_crisis == 4
    # Six minutes on, the crisis request has had its second wave (every 5 minutes, half as
    # big again: 6 more), and so has the one opened before the crisis, whose next wave the
    # switch brought forward (not the 15 minutes of the usual pace).
    assert await alerted(crisis) == 4 + 6
    assert await alerted(calm) == 3 + 6


async def test_urgent_requests_reach_the_queue_at_once_with_the_batch_offered(
    client: httpx.AsyncClient, session: AsyncSession, clock: time_machine.Traveller
) -> None:
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    rosa = await register(client, display_name="Rosa")
    urgent = await post_request(client, rosa, title="Sandbags", urgency="urgent")
    before = await _queue(client, connie)
    on = await switch_on(client, connie, area)
    during = await _queue(client, connie)

    assert before == []  # an urgent request usually waits two hours for a helper first
    kinds = {(item["kind"], item["id"]) for item in during}
    assert ("request_unmatched", urgent["id"]) in kinds
    assert ("crisis_assignment", on["id"]) in kinds
    assert all(item["urgent"] for item in during)


async def test_the_health_page_shows_how_the_network_held_up(
    client: httpx.AsyncClient, session: AsyncSession, clock: time_machine.Traveller
) -> None:
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    askers = [await register(client, display_name=f"Asker {n}") for n in range(5)]
    friends = [await register(client, display_name=f"Friend {n}") for n in range(5)]
    for asker, friend in zip(askers, friends, strict=True):
        await connect(client, asker, friend)
        await client.put("/v1/me/welfare-check", headers=asker.headers, json={})
    await switch_on(client, connie, area)
    clock.move_to(START + timedelta(minutes=30))
    for asker in askers:
        check = (await client.get("/v1/notifications", headers=asker.headers)).json()["items"]
        (asked,) = [n for n in check if n["kind"] == "welfare_check"]
        await client.post(
            f"/v1/welfare-checks/{asked['data']['check_id']}/answer",
            headers=asker.headers,
            json={"answer": "fine"},
        )
    clock.move_to(START + timedelta(hours=1))
    requests = [await post_request(client, asker, title="Sandbags") for asker in askers]
    clock.move_to(START + timedelta(hours=1, minutes=10))
    for asker, friend, request in zip(askers, friends, requests, strict=True):
        offered = await client.post(
            f"/v1/requests/{request['id']}/matches", headers=friend.headers, json={}
        )
        assert offered.status_code == 201, offered.text
        confirmed = await client.post(
            f"/v1/matches/{offered.json()['id']}/confirm", headers=asker.headers, json={}
        )
        assert confirmed.status_code == 200, confirmed.text

    page = await client.get(f"/v1/neighbourhoods/{area}/health", headers=connie.headers)

    figures = page.json()["crisis"]
    assert figures["crises"] == 1
    assert (figures["check_ins_asked"], figures["check_ins_answered"]) == (5, 5)
    assert figures["share_check_ins_answered"] == 1.0
    assert figures["median_minutes_to_answer"] == 30.0
    assert (figures["met_along_ties"], figures["met_through_strangers"]) == (5, "fewer than 5")
    assert figures["share_met_along_ties"] == 1.0
    assert figures["median_minutes_to_first_yes_in_crisis"] == 10.0
    assert figures["median_minutes_to_first_yes"] is None  # none outside a crisis


async def test_switching_on_revives_requests_whose_waves_ran_out(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    clock: time_machine.Traveller,
) -> None:
    # One wave at the usual pace, so a request's waves run out after its first.
    usual = alerting(settings)
    one_wave = replace(usual.policy, normal=replace(usual.policy.normal, max_waves=1))
    app.state.alerting = replace(usual, policy=one_wave)
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    for n in range(5):
        helper = await register(client, display_name=f"Helper {n}")
        await post_offer(client, helper, category="shopping", title="Happy to shop")
    rosa = await register(client, display_name="Rosa")
    request = await post_request(client, rosa, title="Before")
    await alerts.send_due(session, START + timedelta(minutes=16), app.state.alerting)
    ran_out = await alerts.send_due(session, START + timedelta(minutes=32), app.state.alerting)

    clock.move_to(START + timedelta(minutes=40))
    await switch_on(client, connie, area)
    revived = await alerts.send_due(session, START + timedelta(minutes=40), app.state.alerting)

    asked = await session.exec(
        select(Alert).where(Alert.request_id == uuid.UUID(str(request["id"])))
    )
    assert ran_out.waves == 0  # nothing more was due
    assert revived.alerts == 2  # the two not asked in the only usual wave
    assert len(asked.all()) == 5
