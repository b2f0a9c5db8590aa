"""Reports raised by residents and handled by connectors; and a connector's queue."""

from datetime import UTC, date, datetime, timedelta

import httpx
import time_machine
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.test_moderation import _record, _visit_match
from tests.api.test_offers import post_offer
from tests.api.test_requests import post_request
from tests.factories import Account, make_connector, register, sign_in


async def _report(
    client: httpx.AsyncClient, by: Account, subject_type: str, subject_id: object, **extra: str
) -> httpx.Response:
    return await client.post(
        "/v1/reports",
        headers=by.headers,
        json={"subject_type": subject_type, "subject_id": str(subject_id), "reason": "harassment",
              **extra},
    )  # fmt: skip


async def test_a_report_reaches_connectors_with_its_reporter_and_is_resolved(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    rosa, kim = (
        await register(client, display_name="Rosa"),
        await register(client, display_name="Kim"),
    )

    raised = await _report(client, rosa, "resident", kim.id, details="Messages at night")
    mine = (await client.get("/v1/reports", headers=rosa.headers)).json()["items"]
    kims = (await client.get("/v1/reports", headers=kim.headers)).json()["items"]
    as_connector = await client.get(
        "/v1/reports", headers=connie.headers, params={"as_connector": True}
    )
    by_resident = await client.post(
        f"/v1/reports/{raised.json()['id']}/resolve", headers=rosa.headers, json={"action": "x"}
    )
    resolved = await client.post(
        f"/v1/reports/{raised.json()['id']}/resolve",
        headers=connie.headers,
        json={"action": "Spoke to both; Kim has apologised"},
    )
    twice = await client.post(
        f"/v1/reports/{raised.json()['id']}/resolve", headers=connie.headers, json={"action": "x"}
    )
    after = (await client.get("/v1/reports", headers=rosa.headers)).json()["items"]

    assert raised.status_code == 201, raised.text
    assert mine[0]["reporter"] is None  # a resident's own view names nobody
    assert kims == []
    (seen,) = as_connector.json()["items"]
    assert (seen["reporter"]["display_name"], seen["concerns"]["display_name"]) == ("Rosa", "Kim")
    assert by_resident.status_code == 404
    assert resolved.json()["status"] == "resolved"
    assert twice.status_code == 409
    assert after[0]["status"] == "resolved"
    assert after[0]["action"] is None  # what was done stays with the connectors


async def test_a_report_about_a_match_in_progress_is_urgent_and_comes_first(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    rosa, kim = (
        await register(client, display_name="Rosa"),
        await register(client, display_name="Kim"),
    )
    await post_offer(client, kim, category="shopping", title="Kim shops")
    spam = await post_offer(client, kim, category="lending", title="Cheap loans!!")
    request = await post_request(client, rosa)
    match = (
        await client.post(
            f"/v1/requests/{request['id']}/matches",
            headers=rosa.headers,
            json={"helper_id": str(kim.id)},
        )
    ).json()
    await client.post(f"/v1/matches/{match['id']}/accept", headers=kim.headers, json={})

    about_offer = await _report(client, rosa, "offer", spam["id"])
    about_match = await _report(client, rosa, "match", match["id"])
    stranger = await register(client)
    not_theirs = await _report(client, stranger, "match", match["id"])
    listed = await client.get("/v1/reports", headers=connie.headers, params={"as_connector": True})

    assert about_offer.json()["urgent"] is False
    assert about_match.json()["urgent"] is True
    assert not_theirs.status_code == 404
    assert [r["subject_type"] for r in listed.json()["items"]] == ["match", "offer"]


async def test_the_queue_holds_reviews_reports_expiring_checks_and_waiting_requests(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    start = datetime.now(UTC)
    connie = await make_connector(client, session)
    rosa, kim, _match = await _visit_match(client)
    await _report(client, rosa, "resident", kim.id)
    await _record(client, connie, kim, issued_on=date.today() - timedelta(days=300),
                  expires_on=date.today() + timedelta(days=10), kind="id_checked")  # fmt: skip
    await post_request(client, rosa, title="Nobody has answered this")
    resident = await register(client)

    with time_machine.travel(start + timedelta(hours=25)):
        connie.access_token = (await sign_in(client, connie.email))["access_token"]
        resident.access_token = (await sign_in(client, resident.email))["access_token"]
        queued = await client.get("/v1/moderation/queue", headers=connie.headers)
        as_resident = await client.get("/v1/moderation/queue", headers=resident.headers)

    items = queued.json()["items"]
    assert as_resident.status_code == 404
    assert {i["kind"] for i in items} == {
        "match_review",
        "report",
        "verification_expiring",
        "request_unmatched",
    }
    assert [i["since"] for i in items] == sorted(i["since"] for i in items)
    assert "Nobody has answered this" in str(items)
    assert "cell" not in str(items)


async def test_a_retried_report_with_its_key_is_filed_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    rosa, kim = await register(client), await register(client)
    body = {"subject_type": "resident", "subject_id": str(kim.id), "reason": "spam"}
    headers = rosa.headers | {"Idempotency-Key": "report-1"}

    first = await client.post("/v1/reports", headers=headers, json=body)
    retry = await client.post("/v1/reports", headers=headers, json=body)
    mine = (await client.get("/v1/reports", headers=rosa.headers)).json()["items"]

    assert retry.json()["id"] == first.json()["id"]
    assert len(mine) == 1
