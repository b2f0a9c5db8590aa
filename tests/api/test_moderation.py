"""Connectors review matches that wait for them, record checks that gate risky help, and
every act lands in an append-only audit log."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditEntry
from models.notifications import Notification
from services.posts import FeedKey, encode_cursor
from tests.api.test_offers import post_offer
from tests.api.test_requests import post_request
from tests.factories import Account, connect, make_connector, register


async def _visit_match(client: httpx.AsyncClient) -> tuple[Account, Account, Any]:
    """A befriending visit (personal help): the match waits for a connector."""
    rosa, kim = (
        await register(client, display_name="Rosa"),
        await register(client, display_name="Kim"),
    )
    await post_offer(client, kim, category="befriending_visits", title="Tea and a chat")
    request = await post_request(client, rosa, category="befriending_visits", title="A visit")
    made = await client.post(
        f"/v1/requests/{request['id']}/matches",
        headers=rosa.headers,
        json={"helper_id": str(kim.id)},
    )
    assert made.json()["status"] == "pending_review", made.text
    return rosa, kim, made.json()


async def _review(
    client: httpx.AsyncClient, who: Account, match: Any, decision: str, reason: str = "Known to us"
) -> httpx.Response:
    return await client.post(
        f"/v1/moderation/matches/{match['id']}/{decision}",
        headers=who.headers,
        json={"reason": reason},
    )


async def test_a_connector_approves_and_the_helper_is_then_asked(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    rosa, kim, match = await _visit_match(client)

    by_requester = await _review(client, rosa, match, "approve")
    approved = await _review(client, connie, match, "approve")
    again = await _review(client, connie, match, "approve")
    accepted = await client.post(f"/v1/matches/{match['id']}/accept", headers=kim.headers, json={})
    log = await client.get("/v1/audit", headers=connie.headers)
    as_resident = await client.get("/v1/audit", headers=rosa.headers)

    assert by_requester.status_code == 404
    assert approved.json()["status"] == "proposed"
    assert again.status_code == 409
    assert accepted.json()["status"] == "accepted"
    entry = log.json()["items"][0]  # newest first; appointing Connie came before
    assert (entry["action"], entry["reason"], entry["actor"]["id"]) == (
        "match_approved",
        "Known to us",
        str(connie.id),
    )
    assert as_resident.status_code == 404


async def test_a_rejection_is_kind_to_the_requester_and_tells_the_helper_nothing_more(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    rosa, kim, match = await _visit_match(client)

    rejected = await _review(client, connie, match, "reject", reason="Concerns raised before")
    seen_by_kim = (await client.get(f"/v1/matches/{match['id']}", headers=kim.headers)).json()
    told = {
        n.resident_id: n.title
        for n in (await session.exec(select(Notification))).all()
        if n.dedupe_key.endswith(":rejected")
    }

    assert rejected.json()["status"] == "cancelled"
    assert seen_by_kim["status"] == "cancelled"
    assert [c["by"] for c in seen_by_kim["timeline"]][-1] is None  # not who, nor why
    assert "Concerns" not in str(seen_by_kim)
    assert "did not go ahead" in told[kim.id]
    assert "a connector looked at this match" in told[rosa.id]


async def test_regulated_help_needs_the_barred_list_check_and_a_connectors_approval(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    rosa, kim = (
        await register(client, display_name="Rosa"),
        await register(client, display_name="Kim"),
    )
    await connect(client, rosa, kim)
    request = await post_request(client, rosa, category="personal_care", title="Help to wash")
    body = {"helper_id": str(kim.id)}
    path = f"/v1/requests/{request['id']}/matches"

    unchecked = await client.post(path, headers=rosa.headers, json=body)
    lapsed = await _record(client, connie, kim, issued_on=date.today() - timedelta(days=800),
                           expires_on=date.today() - timedelta(days=1))  # fmt: skip
    still_unchecked = await client.post(path, headers=rosa.headers, json=body)
    checked = await _record(client, connie, kim, issued_on=date.today() - timedelta(days=30))
    made = await client.post(path, headers=rosa.headers, json=body)
    approved = await _review(client, connie, made.json(), "approve")

    assert unchecked.status_code == 422
    assert "adults' barred list" in unchecked.json()["detail"]
    assert lapsed.json()["badges"] == []  # an expired check stops counting
    assert still_unchecked.status_code == 422
    assert [b["kind"] for b in checked.json()["badges"]] == ["dbs_enhanced_barred_adults"]
    assert made.json()["status"] == "pending_review"
    assert approved.json()["status"] == "proposed"


async def _record(
    client: httpx.AsyncClient,
    by: Account,
    subject: Account,
    issued_on: date,
    expires_on: date | None = None,
    kind: str = "dbs_enhanced_barred_adults",
    **extra: object,
) -> httpx.Response:
    body: dict[str, object] = {"kind": kind, "issued_on": issued_on.isoformat(), **extra}
    if expires_on:
        body["expires_on"] = expires_on.isoformat()
    response = await client.put(
        f"/v1/residents/{subject.id}/verifications", headers=by.headers, json=body
    )
    return response


async def test_only_local_connectors_record_checks_and_no_certificate_number_is_taken(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    kim, neighbour = await register(client), await register(client)
    today = date.today()

    by_neighbour = await _record(client, neighbour, kim, issued_on=today)
    with_number = await _record(client, connie, kim, issued_on=today, certificate_number="001")
    in_future = await _record(client, connie, kim, issued_on=today + timedelta(days=3))
    recorded = await _record(client, connie, kim, issued_on=today, kind="id_checked")

    assert by_neighbour.status_code == 404
    assert with_number.status_code == 422
    assert in_future.status_code == 422
    assert recorded.status_code == 200


@pytest.mark.parametrize("change", ["update", "delete"])
async def test_the_audit_log_cannot_be_changed_even_by_sql(
    client: httpx.AsyncClient, session: AsyncSession, change: str
) -> None:
    connie = await make_connector(client, session)
    kim = await register(client)
    await _record(client, connie, kim, issued_on=date.today(), kind="id_checked")
    statement = (
        update(AuditEntry).values(reason="rewritten") if change == "update" else delete(AuditEntry)
    )

    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.exec(statement)


def test_no_code_path_updates_or_deletes_an_audit_entry(repo_root: Any) -> None:
    offenders = []
    for path in [*repo_root.glob("services/*.py"), *repo_root.glob("api/**/*.py")]:
        text = path.read_text()
        for pattern in ("update(AuditEntry", "delete(AuditEntry", "AuditEntry).values"):
            if pattern in text:
                offenders.append(f"{path.name}: {pattern}")
    assert offenders == []
    assert "session.add(" in (repo_root / "services" / "audit.py").read_text()


async def test_a_suspension_takes_effect_at_once_and_ends_open_matches_kindly(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    rosa, kim = (
        await register(client, display_name="Rosa"),
        await register(client, display_name="Kim"),
    )
    friend = await register(client, display_name="Friend")
    await post_offer(client, kim, category="shopping", title="Kim shops")
    vouched = await client.post(
        "/v1/vouches", headers=kim.headers, json={"resident_id": str(friend.id)}
    )
    assert vouched.status_code == 201, vouched.text
    request = await post_request(client, rosa)
    match = (
        await client.post(
            f"/v1/requests/{request['id']}/matches",
            headers=rosa.headers,
            json={"helper_id": str(kim.id)},
        )
    ).json()
    await client.post(f"/v1/matches/{match['id']}/accept", headers=kim.headers, json={})
    await client.post(f"/v1/matches/{match['id']}/confirm", headers=rosa.headers, json={})
    stranger_tries = await client.post(
        f"/v1/residents/{kim.id}/suspend", headers=rosa.headers, json={"reason": "x"}
    )

    suspended = await client.post(
        f"/v1/residents/{kim.id}/suspend", headers=connie.headers, json={"reason": "A report"}
    )
    kims_next_request = await client.get("/v1/me", headers=kim.headers)
    feed = await client.get("/v1/offers", headers=rosa.headers)
    rosas_match = (await client.get(f"/v1/matches/{match['id']}", headers=rosa.headers)).json()
    request_now = (await client.get(f"/v1/requests/{request['id']}", headers=rosa.headers)).json()
    reinstated = await client.post(
        f"/v1/residents/{kim.id}/reinstate", headers=connie.headers, json={"reason": "Cleared"}
    )
    kim_again = await client.get("/v1/me", headers=kim.headers)
    actions = [
        e["action"] for e in (await client.get("/v1/audit", headers=connie.headers)).json()["items"]
    ]

    assert stranger_tries.status_code == 404
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["matches_cancelled"] == 1
    assert [r["display_name"] for r in suspended.json()["vouched_for"]] == ["Friend"]
    assert kims_next_request.status_code == 401  # the same unexpired token, refused at once
    assert "Kim shops" not in str(feed.json())
    assert rosas_match["status"] == "cancelled"
    assert request_now["status"] == "open"  # her request is open to others again
    assert reinstated.json()["status"] == "active"
    assert kim_again.status_code == 200
    assert actions[:2] == ["resident_reinstated", "resident_suspended"]


async def test_a_made_up_audit_cursor_is_a_clear_422(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    well_formed_but_not_ours = encode_cursor(FeedKey(0, 0.0, "no-time-here"))
    response = await client.get(
        "/v1/audit", headers=connie.headers, params={"cursor": well_formed_but_not_ours}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
