"""A request from open to completed, with consent at every step; wrong parties and wrong
states; details shown only while confirmed, and every showing logged."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import time_machine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.notifications import Notification
from services import match_expiry
from services.matching import MatchingWeights
from services.trust import TrustSettings
from tests.api.test_offers import post_offer
from tests.api.test_requests import post_request
from tests.factories import Account, register, sign_in


async def _helper(client: httpx.AsyncClient, name: str) -> Account:
    helper = await register(client, display_name=name)
    await post_offer(client, helper, category="shopping", title=f"{name} shops")
    return helper


async def _step(
    client: httpx.AsyncClient, who: Account, match: Any, step: str, **body: object
) -> httpx.Response:
    return await client.post(f"/v1/matches/{match['id']}/{step}", headers=who.headers, json=body)


async def _propose(
    client: httpx.AsyncClient, by: Account, request: Any, helper: Account | None = None
) -> httpx.Response:
    body = {"helper_id": str(helper.id)} if helper else {}
    return await client.post(f"/v1/requests/{request['id']}/matches", headers=by.headers, json=body)


async def _read(client: httpx.AsyncClient, who: Account, match: Any) -> Any:
    response = await client.get(f"/v1/matches/{match['id']}", headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_from_open_to_completed_with_consent_at_each_step(
    client: httpx.AsyncClient,
) -> None:
    rosa, kim = await register(client, display_name="Rosa"), await _helper(client, "Kim")
    request = await post_request(client, rosa)

    proposed = await _propose(client, rosa, request, kim)
    match = proposed.json()
    before_yes = await _read(client, kim, match)
    accepted = await _step(client, kim, match, "accept", contact="07700 900123")
    before_confirm = await _read(client, rosa, match)
    confirmed = await _step(
        client, rosa, match, "confirm", contact="Flat 2 buzzer", meeting_note="Blue door, 2 pm"
    )
    seen_by_kim = await _read(client, kim, match)
    request_now = await client.get(f"/v1/requests/{request['id']}", headers=rosa.headers)
    disclosures = await client.get("/v1/me/disclosures", headers=rosa.headers)
    completed = await _step(client, kim, match, "complete")
    thanked = await _step(client, rosa, match, "thanks", message="Thank you so much, Kim!")
    circle = await client.get("/v1/me/circle", headers=rosa.headers)

    assert proposed.status_code == 201, proposed.text
    assert match["status"] == "proposed"
    assert any(r["kind"] == "proximity" for r in match["reasons"])
    assert before_yes["shared"] is None
    assert accepted.json()["status"] == "accepted"
    assert before_confirm["shared"] is None  # Kim's number waits for Rosa's confirmation
    assert confirmed.json()["shared"] == {
        "contact": "07700 900123",
        "meeting_note": "Blue door, 2 pm",
    }
    assert seen_by_kim["shared"] == {"contact": "Flat 2 buzzer", "meeting_note": "Blue door, 2 pm"}
    assert request_now.json()["status"] == "matched"
    logged = disclosures.json()["items"]
    assert [(d["viewer"]["display_name"], d["fields"]) for d in logged] == [
        ("Kim", ["contact", "meeting_note"])
    ]
    assert completed.json()["status"] == "completed"
    assert thanked.status_code == 200
    assert (await _read(client, kim, match))["thanks_received"] == "Thank you so much, Kim!"
    assert [m["kinds"] for m in circle.json()["items"] if m["display_name"] == "Kim"] == [
        ["helped"]
    ]
    assert [c["status"] for c in seen_by_kim["timeline"]] == ["proposed", "accepted", "confirmed"]


async def test_details_are_hidden_again_a_day_after_it_ends(client: httpx.AsyncClient) -> None:
    rosa, kim = await register(client, display_name="Rosa"), await _helper(client, "Kim")
    request = await post_request(client, rosa)
    match = (await _propose(client, rosa, request, kim)).json()
    await _step(client, kim, match, "accept", contact="07700 900123")
    await _step(client, rosa, match, "confirm", meeting_note="Blue door")
    await _step(client, rosa, match, "complete")

    just_after = await _read(client, rosa, match)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=2)):
        rosa.access_token = (await sign_in(client, rosa.email))["access_token"]
        later = await _read(client, rosa, match)

    assert just_after["shared"]["contact"] == "07700 900123"
    assert later["shared"] is None


async def test_each_step_belongs_to_one_side_and_says_what_state_it_is_in(
    client: httpx.AsyncClient,
) -> None:
    rosa, kim = await register(client, display_name="Rosa"), await _helper(client, "Kim")
    nosy = await register(client, display_name="Nosy")
    request = await post_request(client, rosa)
    match = (await _propose(client, rosa, request, kim)).json()

    rosa_accepts = await _step(client, rosa, match, "accept")
    nosy_reads = await client.get(f"/v1/matches/{match['id']}", headers=nosy.headers)
    nosy_cancels = await _step(client, nosy, match, "cancel")
    too_early = await _step(client, rosa, match, "confirm")
    asked_twice = await _propose(client, rosa, request, kim)

    assert rosa_accepts.status_code == 404
    assert nosy_reads.status_code == 404
    assert nosy_cancels.status_code == 404
    assert too_early.status_code == 409
    assert too_early.json()["detail"] == "This match is proposed."
    assert asked_twice.status_code == 409


async def test_a_decline_needs_no_reason_and_the_next_helper_can_be_asked(
    client: httpx.AsyncClient,
) -> None:
    rosa = await register(client, display_name="Rosa")
    kim, sam = await _helper(client, "Kim"), await _helper(client, "Sam")
    request = await post_request(client, rosa)
    match = (await _propose(client, rosa, request, kim)).json()

    declined = await _step(client, kim, match, "decline")
    remaining = await client.get(f"/v1/requests/{request['id']}/candidates", headers=rosa.headers)
    second = await _propose(client, rosa, request, sam)

    assert declined.json()["status"] == "declined"
    assert [c["helper"]["display_name"] for c in remaining.json()["items"]] == ["Sam"]
    assert second.status_code == 201


async def test_a_neighbour_volunteers_and_the_requester_confirms(client: httpx.AsyncClient) -> None:
    rosa, vic = (
        await register(client, display_name="Rosa"),
        await register(client, display_name="Vic"),
    )
    request = await post_request(client, rosa)

    volunteered = await _propose(client, vic, request)
    confirmed = await _step(client, rosa, volunteered.json(), "confirm")

    assert volunteered.status_code == 201, volunteered.text
    assert volunteered.json()["status"] == "accepted"
    assert volunteered.json()["your_role"] == "helper"
    assert confirmed.json()["status"] == "confirmed"


async def test_personal_help_waits_for_a_connector(client: httpx.AsyncClient) -> None:
    rosa, kim = (
        await register(client, display_name="Rosa"),
        await register(client, display_name="Kim"),
    )
    await post_offer(client, kim, category="befriending_visits", title="Cup of tea and a chat")
    request = await post_request(client, rosa, category="befriending_visits", title="A visit")

    proposed = await _propose(client, rosa, request, kim)
    kim_accepts = await _step(client, kim, proposed.json(), "accept")

    assert proposed.json()["status"] == "pending_review"
    assert kim_accepts.status_code == 409


async def test_an_unanswered_proposal_expires(client: httpx.AsyncClient) -> None:
    rosa, kim = await register(client, display_name="Rosa"), await _helper(client, "Kim")
    request = await post_request(client, rosa, urgency="urgent")
    match = (await _propose(client, rosa, request, kim)).json()

    with time_machine.travel(datetime.now(UTC) + timedelta(hours=3)):
        kim.access_token = (await sign_in(client, kim.email))["access_token"]
        late = await _step(client, kim, match, "accept")

    assert late.status_code == 409
    assert late.json()["detail"] == "This match is expired."


async def test_the_sweep_lapses_a_proposal_and_points_to_the_next_helper(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    rosa = await register(client, display_name="Rosa")
    kim, sam = await _helper(client, "Kim"), await _helper(client, "Sam")
    request = await post_request(client, rosa, urgency="urgent")
    match = (await _propose(client, rosa, request, kim)).json()

    early = await match_expiry.expire_due(session, utcnow(), TrustSettings(), MatchingWeights())
    later = utcnow() + timedelta(hours=3)
    lapsed = await match_expiry.expire_due(session, later, TrustSettings(), MatchingWeights())
    again = await match_expiry.expire_due(session, later, TrustSettings(), MatchingWeights())
    told = await session.exec(
        select(Notification).where(
            Notification.resident_id == rosa.id, col(Notification.dedupe_key).endswith(":expired")
        )
    )

    assert (early.matches, lapsed.matches, again.matches) == (0, 1, 0)
    assert (await _read(client, rosa, match))["status"] == "expired"
    (notice,) = told.all()
    assert notice.data["next_candidate"] == {"id": str(sam.id), "display_name": "Sam"}
    assert "Sam could help" in notice.title


async def test_a_retried_proposal_with_its_key_gets_the_same_match(
    client: httpx.AsyncClient,
) -> None:
    rosa, kim = await register(client, display_name="Rosa"), await _helper(client, "Kim")
    request = await post_request(client, rosa)
    headers = rosa.headers | {"Idempotency-Key": "propose-kim-1"}
    body = {"helper_id": str(kim.id)}
    path = f"/v1/requests/{request['id']}/matches"

    first = await client.post(path, headers=headers, json=body)
    retry = await client.post(path, headers=headers, json=body)

    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["Idempotent-Replayed"] == "true"


async def test_once_the_place_is_filled_the_other_proposals_are_withdrawn_kindly(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    rosa = await register(client, display_name="Rosa")
    kim, sam = await _helper(client, "Kim"), await _helper(client, "Sam")
    request = await post_request(client, rosa)
    to_kim = (await _propose(client, rosa, request, kim)).json()
    to_sam = (await _propose(client, rosa, request, sam)).json()

    await _step(client, kim, to_kim, "accept")
    await _step(client, rosa, to_kim, "confirm")
    sams_view = await _read(client, sam, to_sam)
    told = await session.exec(
        select(Notification).where(
            Notification.resident_id == sam.id,
            col(Notification.dedupe_key).endswith(":withdrawn"),
        )
    )

    assert sams_view["status"] == "withdrawn"
    assert "Thank you for being willing" in told.one().title


async def test_a_contact_of_control_characters_is_a_422_and_the_match_waits(
    client: httpx.AsyncClient,
) -> None:
    """The fuzzer met a 500 with this very body once (not reproduced since); the contact is
    shown to the other side as it is, so like a display name it must be visible text."""
    rosa, kim = await register(client, display_name="Rosa"), await _helper(client, "Kim")
    match = (await _propose(client, rosa, await post_request(client, rosa), kim)).json()

    accepted = await _step(client, kim, match, "accept", contact="\u009d\u0004M")

    assert accepted.status_code == 422, accepted.text
    assert accepted.headers["content-type"] == "application/problem+json"
    assert (await _read(client, kim, match))["status"] == "proposed"
