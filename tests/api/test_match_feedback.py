"""After a match: a private "how did it go?" to both sides. An answer is kept once per side,
never reaches the other side, and a worry becomes an urgent concern in the connector's queue."""

import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.match_feedback import MatchFeedback
from models.neighbourhoods import Neighbourhood, NeighbourhoodCell
from tests.api.test_offers import post_offer
from tests.api.test_requests import post_request
from tests.api.test_sync import sync
from tests.factories import Account, make_connector, register

NOTE = "He shouted at me on the doorstep"


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def _confirmed(client: httpx.AsyncClient) -> tuple[Account, Account, Any]:
    """Rosa asked Kim to do her shopping; both said yes."""
    rosa, kim = [await register(client, display_name=name) for name in ("Rosa", "Kim")]
    await post_offer(client, kim, category="shopping", title="Kim shops")
    request = await post_request(client, rosa)
    match = await _ok(
        await client.post(
            f"/v1/requests/{request['id']}/matches",
            headers=rosa.headers,
            json={"helper_id": str(kim.id)},
        ),
        201,
    )
    base = f"/v1/matches/{match['id']}"
    await _ok(await client.post(f"{base}/accept", headers=kim.headers, json={"contact": "07700"}))
    await _ok(await client.post(f"{base}/confirm", headers=rosa.headers, json={}))
    return rosa, kim, match


async def _completed(client: httpx.AsyncClient) -> tuple[Account, Account, Any]:
    rosa, kim, match = await _confirmed(client)
    await _ok(await client.post(f"/v1/matches/{match['id']}/complete", headers=kim.headers))
    return rosa, kim, match


async def _answer(
    client: httpx.AsyncClient, who: Account, match: Any, feeling: str, **extra: object
) -> httpx.Response:
    return await client.post(
        f"/v1/matches/{match['id']}/feedback",
        headers=who.headers,
        json={"feeling": feeling, **extra},
    )


async def _asked(client: httpx.AsyncClient, who: Account) -> list[Any]:
    inbox = await _ok(await client.get("/v1/notifications", headers=who.headers))
    return [n for n in inbox["items"] if n["kind"] == "match_feedback"]


async def test_both_sides_are_asked_how_it_went_once_it_is_done(
    client: httpx.AsyncClient,
) -> None:
    rosa, kim, match = await _confirmed(client)
    before = await _asked(client, rosa) + await _asked(client, kim)

    await _ok(await client.post(f"/v1/matches/{match['id']}/complete", headers=kim.headers))
    to_rosa, to_kim = await _asked(client, rosa), await _asked(client, kim)

    assert before == []
    ids_only = {"match_id": match["id"], "request_id": match["request_id"]}
    for asked in (to_rosa, to_kim):
        assert len(asked) == 1
        assert asked[0]["title"].startswith("How did it go?")
        assert asked[0]["data"] == ids_only


async def test_each_side_answers_once(client: httpx.AsyncClient, session: AsyncSession) -> None:
    rosa, kim, match = await _completed(client)

    first = await _answer(client, rosa, match, "went_well", note="  Lovely, thank you  ")
    again = await _answer(client, rosa, match, "mixed")
    kims = await _answer(client, kim, match, "mixed", note="   ")  # no note after all
    stored = (await session.exec(select(MatchFeedback))).all()

    assert first.status_code == 201, first.text
    assert first.json()["feeling"] == "went_well"
    assert first.json()["next_steps"].startswith("Thank you")
    assert again.status_code == 409, again.text  # the unique constraint said no
    assert kims.status_code == 201, kims.text
    assert sorted((f.resident_id, f.feeling, f.note) for f in stored) == sorted(
        [(rosa.id, "went_well", "Lovely, thank you"), (kim.id, "mixed", None)]
    )


async def test_a_retry_with_its_key_gets_the_same_answer_not_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    rosa, _kim, match = await _completed(client)
    key = {"Idempotency-Key": "how-did-it-go-1"}
    body = {"feeling": "felt_unsafe"}
    url = f"/v1/matches/{match['id']}/feedback"

    first = await client.post(url, headers=rosa.headers | key, json=body)
    retry = await client.post(url, headers=rosa.headers | key, json=body)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()


async def test_not_before_the_help_is_given(client: httpx.AsyncClient) -> None:
    rosa, _kim, match = await _confirmed(client)

    early = await _answer(client, rosa, match, "felt_unsafe")

    assert early.status_code == 409, early.text
    assert early.json()["detail"].startswith("This match is confirmed")


async def test_someone_not_in_the_match_finds_nothing(client: httpx.AsyncClient) -> None:
    _rosa, _kim, match = await _completed(client)
    stranger = await register(client, display_name="Sam")

    theirs = await _answer(client, stranger, match, "went_well")
    nowhere = await _answer(client, stranger, {"id": str(uuid.uuid4())}, "went_well")

    assert (theirs.status_code, nowhere.status_code) == (404, 404)


async def test_only_the_answer_and_a_short_note_are_taken(client: httpx.AsyncClient) -> None:
    rosa, _kim, match = await _completed(client)

    extra = await _answer(client, rosa, match, "went_well", score=5)
    long = await _answer(client, rosa, match, "went_well", note="x" * 1001)
    unknown = await _answer(client, rosa, match, "five_stars")

    assert [r.status_code for r in (extra, long, unknown)] == [422, 422, 422]


@pytest.mark.parametrize(
    ("feeling", "said"),
    [("felt_unsafe", "felt unsafe"), ("worried_about_them", "worried about them")],
)
async def test_a_worry_goes_to_the_connector_as_an_urgent_concern(
    client: httpx.AsyncClient, session: AsyncSession, feeling: str, said: str
) -> None:
    connie = await make_connector(client, session)
    rosa, kim, match = await _completed(client)

    answered = await _answer(client, rosa, match, feeling, note=NOTE)
    queue = await _ok(await client.get("/v1/moderation/queue", headers=connie.headers))
    reports = await _ok(
        await client.get("/v1/reports", headers=connie.headers, params={"as_connector": True})
    )

    assert answered.status_code == 201, answered.text
    assert "A community connector will be in touch soon" in answered.json()["next_steps"]
    assert "call 999" in answered.json()["next_steps"]
    (item,) = [i for i in queue["items"] if i["kind"] == "report"]
    assert (item["urgent"], item["subject_id"]) == (True, str(kim.id))
    (report,) = reports["items"]
    assert (report["reason"], report["subject_type"], report["subject_id"]) == (
        "safety",
        "match",
        match["id"],
    )
    assert (report["reporter"]["id"], report["concerns"]["id"]) == (str(rosa.id), str(kim.id))
    assert report["details"] == f"Raised after a match: {said}\n\n{NOTE}"


async def test_with_no_connector_for_the_area_nobody_is_promised_a_call(
    client: httpx.AsyncClient,
) -> None:
    rosa, _kim, match = await _completed(client)

    answered = await _ok(await _answer(client, rosa, match, "felt_unsafe"), 201)
    filed = await _ok(await client.get("/v1/reports", headers=rosa.headers))

    assert "will be in touch" not in answered["next_steps"]
    assert "no community connector looks after this area" in answered["next_steps"]
    assert [(r["reason"], r["urgent"]) for r in filed["items"]] == [("safety", True)]


@pytest.mark.parametrize("feeling", ["went_well", "mixed"])
async def test_an_answer_without_a_worry_raises_nothing(
    client: httpx.AsyncClient, session: AsyncSession, feeling: str
) -> None:
    connie = await make_connector(client, session)
    rosa, _kim, match = await _completed(client)

    answered = await _answer(client, rosa, match, feeling, note="Bit late, but fine")
    queue = await _ok(await client.get("/v1/moderation/queue", headers=connie.headers))
    filed = await _ok(await client.get("/v1/reports", headers=rosa.headers))

    assert answered.status_code == 201, answered.text
    assert "connector will be in touch" not in answered.json()["next_steps"]
    assert [i for i in queue["items"] if i["kind"] == "report"] == []
    assert filed["items"] == []


async def _as_kim_sees_it(client: httpx.AsyncClient, kim: Account, match: Any) -> Any:
    export = await _ok(await client.get("/v1/me/export", headers=kim.headers))
    del export["generated_at"]
    return {
        "inbox": await _ok(await client.get("/v1/notifications", headers=kim.headers)),
        "match": await _ok(await client.get(f"/v1/matches/{match['id']}", headers=kim.headers)),
        "matches": await _ok(await client.get("/v1/matches", headers=kim.headers)),
        "reports": await _ok(await client.get("/v1/reports", headers=kim.headers)),
        "export": export,
    }


async def test_the_other_side_never_sees_the_answer(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_connector(client, session)
    rosa, kim, match = await _completed(client)
    before = await _as_kim_sees_it(client, kim, match)
    since = (await sync(client, kim))["next_token"]

    await _ok(await _answer(client, rosa, match, "felt_unsafe", note=NOTE), 201)
    after = await _as_kim_sees_it(client, kim, match)
    changed = await sync(client, kim, since)
    rosas_export = await _ok(await client.get("/v1/me/export", headers=rosa.headers))

    assert after == before
    assert changed["changes"] == []
    (rosas_match,) = rosas_export["matches"]
    assert rosas_match["your_feedback"]["feeling"] == "felt_unsafe"  # the check can fail
    assert rosas_match["your_feedback"]["note"] == NOTE
    assert after["export"]["matches"][0]["your_feedback"] is None


async def test_erasure_takes_your_answers_and_your_name_out_of_theirs(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    rosa, kim, match = await _completed(client)
    await _ok(await _answer(client, rosa, match, "went_well", note="Kim was kind"), 201)
    await _ok(await _answer(client, kim, match, "went_well", note="Rosa made tea"), 201)

    erased = await client.delete("/v1/me", headers=kim.headers)  # signed in a moment ago
    left = await session.exec(select(MatchFeedback).execution_options(populate_existing=True))

    assert erased.status_code == 204, erased.text
    assert [(f.resident_id, f.note) for f in left.all()] == [
        (rosa.id, "A former neighbour was kind")
    ]


async def test_a_worry_is_filed_where_a_connector_will_see_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    staffed = (await client.get("/v1/me", headers=connie.headers)).json()["roles"]
    staffed_id = uuid.UUID(staffed["connector_of"][0])
    # An overlapping area with no connector, first by id: where a report would go by default.
    unstaffed = Neighbourhood(
        id=uuid.UUID(int=1), name="Unstaffed", centre_cell="-", radius_m=2000, cell_resolution=8
    )
    session.add(unstaffed)
    await session.flush()
    cells = await session.exec(
        select(NeighbourhoodCell.cell).where(NeighbourhoodCell.neighbourhood_id == staffed_id)
    )
    session.add_all(NeighbourhoodCell(neighbourhood_id=unstaffed.id, cell=c) for c in cells.all())
    await session.commit()
    rosa, kim, match = await _completed(client)

    answered = await _ok(await _answer(client, rosa, match, "felt_unsafe"), 201)
    queue = await _ok(await client.get("/v1/moderation/queue", headers=connie.headers))

    assert "A community connector will be in touch soon" in answered["next_steps"]
    assert [i["subject_id"] for i in queue["items"] if i["kind"] == "report"] == [str(kim.id)]
