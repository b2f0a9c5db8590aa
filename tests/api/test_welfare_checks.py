"""Welfare check-ins in a crisis: who opted in is asked "are you OK?"; "I need help" opens an
urgent request with their defaults; no answer (or a wish for a call) puts them in the
connector queue; the connector sees the progress."""

from datetime import timedelta
from typing import Any

import httpx
import time_machine
from fastapi import FastAPI
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.notifications import Notification, NotificationKind
from tests.api.conftest import START
from tests.api.test_authorisation_matrix import OneCellGeocoder
from tests.api.test_crisis import _area
from tests.api.test_crisis_mode import _queue, settings, switch_on  # noqa: F401
from tests.factories import Account, make_connector, register


async def _sign_up(client: httpx.AsyncClient, who: Account, **body: str) -> Any:
    response = await client.put("/v1/me/welfare-check", headers=who.headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def _check_of(session: AsyncSession, who: Account) -> str:
    rows = await session.exec(
        select(Notification).where(
            Notification.resident_id == who.id, Notification.kind == NotificationKind.welfare_check
        )
    )
    (asked,) = rows.all()
    return str(asked.data["check_id"])


async def _progress(client: httpx.AsyncClient, connector: Account, area: str) -> Any:
    crisis = await client.get(f"/v1/neighbourhoods/{area}/crisis", headers=connector.headers)
    return crisis.json()["check_ins"]


async def test_check_ins_from_asking_to_every_answer(
    client: httpx.AsyncClient, session: AsyncSession, clock: time_machine.Traveller
) -> None:
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    ann = await register(client, display_name="Ann")  # the app; will need help
    bo = await register(client, display_name="Bo")  # asked for a phone call
    cy = await register(client, display_name="Cy")  # the app; will not answer
    dee = await register(client, display_name="Dee")  # did not opt in
    await _sign_up(client, ann, help_category="prescriptions", help_note="My inhaler, please")
    await _sign_up(client, bo, by="call")
    await _sign_up(client, cy)

    await switch_on(client, connie, area)
    at_start = await _progress(client, connie, area)
    calls_at_start = [i for i in await _queue(client, connie) if i["kind"] == "welfare_call"]
    ann_check = await _check_of(session, ann)
    by_someone_else = await client.post(
        f"/v1/welfare-checks/{ann_check}/answer", headers=dee.headers, json={"answer": "fine"}
    )
    needs_help = await client.post(
        f"/v1/welfare-checks/{ann_check}/answer", headers=ann.headers, json={"answer": "need_help"}
    )
    opened = await client.get(
        f"/v1/requests/{needs_help.json()['request_id']}", headers=ann.headers
    )
    changed_mind = await client.post(
        f"/v1/welfare-checks/{ann_check}/answer", headers=ann.headers, json={"answer": "fine"}
    )
    bo_call = next(i for i in calls_at_start if i["subject_id"] == str(bo.id))
    called = await client.post(
        f"/v1/welfare-checks/{bo_call['id']}/answer",
        headers=connie.headers,
        json={"answer": "fine"},
    )
    clock.move_to(START + timedelta(minutes=121))
    later = await _progress(client, connie, area)
    calls_later_all = await _queue(client, connie)
    calls_later = [i for i in calls_later_all if i["kind"] == "welfare_call"]
    log = (await client.get("/v1/audit", headers=connie.headers)).json()["items"]

    assert at_start == {"asked": 3, "fine": 0, "need_help": 0, "waiting": 2, "no_answer": 1}
    assert [i["subject_id"] for i in calls_at_start] == [str(bo.id)]  # a call at once
    assert by_someone_else.status_code == 404
    assert needs_help.status_code == 200, needs_help.text
    request = opened.json()
    assert (request["urgency"], request["category"], request["details"]) == (
        "urgent", "prescriptions", "My inhaler, please",
    )  # fmt: skip
    # Through a connector and seen only by those she knows: nothing tells strangers who is
    # vulnerable, or where.
    assert (request["eligibility"], request["visibility"]) == ("via_connector", "circle")
    assert "crisis" not in request["title"].lower()
    assert ("request_unmatched", request["id"]) in {(i["kind"], i["id"]) for i in calls_later_all}
    assert changed_mind.status_code == 409
    assert called.status_code == 200, called.text
    assert later == {"asked": 3, "fine": 1, "need_help": 1, "waiting": 0, "no_answer": 1}
    assert [i["subject_id"] for i in calls_later] == [str(cy.id)]  # two hours, no answer
    assert any(e["action"] == "acted_for_resident" for e in log)  # Connie answered for Bo


async def test_signing_up_is_yours_to_change_and_to_leave(
    client: httpx.AsyncClient, clock: time_machine.Traveller
) -> None:
    ann = await register(client, display_name="Ann")

    none_yet = await client.get("/v1/me/welfare-check", headers=ann.headers)
    first = await _sign_up(client, ann)
    changed = await _sign_up(client, ann, by="call", help_category="cooked_meals")
    bad = await client.put(
        "/v1/me/welfare-check", headers=ann.headers, json={"help_note": "x" * 501}
    )
    left = await client.delete("/v1/me/welfare-check", headers=ann.headers)
    gone = await client.get("/v1/me/welfare-check", headers=ann.headers)

    assert none_yet.status_code == 404
    assert (first["by"], first["help_category"]) == ("app", "shopping")
    assert (changed["by"], changed["help_category"]) == ("call", "cooked_meals")
    assert bad.status_code == 422
    assert left.status_code == 204
    assert gone.status_code == 404


async def test_a_connector_signs_up_an_assisted_resident_for_a_call(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: time_machine.Traveller,
) -> None:
    app.state.geocoder = OneCellGeocoder()
    connie = await make_connector(client, session)
    area = await _area(client, connie)
    made = await client.post(
        "/v1/assisted-residents",
        headers=connie.headers,
        json={
            "display_name": "Mr Len Hart",
            "address": "3 Church Lane",
            "consent": {"given_by": "himself, in person", "how": "in_person"},
            "contact_preference": "phone",
        },
    )
    len_id = made.json()["id"]

    signed = await client.put(
        f"/v1/assisted-residents/{len_id}/welfare-check",
        headers=connie.headers,
        json={"by": "app", "help_category": "cooked_meals"},
    )
    await switch_on(client, connie, area)
    calls = [i for i in await _queue(client, connie) if i["kind"] == "welfare_call"]

    assert made.status_code == 201, made.text
    assert signed.json()["by"] == "call"  # no app to answer in: a connector calls
    assert [c["subject_id"] for c in calls] == [len_id]
    assert calls[0]["summary"].startswith("Call Mr Len Hart")
