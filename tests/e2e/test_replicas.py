"""Two `kith serve` replicas on one PostgreSQL database and one Redis, driven at once through
both: no lost update, no request matched twice, no webhook sent twice under different ids,
and one rate limit however the requests are spread."""

import asyncio
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.db import Database
from models.webhooks import WebhookEndpoint
from tests.api.test_ratelimit import redis_url  # noqa: F401  (a fixture: skips without Redis)
from tests.databases import backend
from tests.e2e.conftest import _serving
from tests.support.receiver import receiver

pytestmark = pytest.mark.skipif(
    backend() != "postgres", reason="replicas share a PostgreSQL database"
)
SECRET = "whsec_" + "cmVwbGljYS13ZWJob29rLXRlc3Qtc2VjcmV0LTAwMDAx"
PASSWORD = "juniper-quarry-lantern-31"
HOME = {"lat": 51.4545, "lon": -2.5879}
PER_RESIDENT = 25


async def _join(http: httpx.AsyncClient, name: str) -> dict[str, str]:
    email = f"{name.lower().replace(' ', '-')}-{id(http)}@example.org"
    body = {"email": email, "password": PASSWORD, "display_name": name, "home": HOME}
    assert (await http.post("/v1/auth/register", json=body)).status_code == 201
    tokens = await http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


async def test_two_replicas_under_one_workload(
    database: str,
    tmp_path: Path,
    redis_url: str,  # noqa: F811
) -> None:
    env = {
        "REDIS_URL": redis_url,
        "KITH_RATE_LIMITS__PER_RESIDENT": f"{PER_RESIDENT}/minute",
        "KITH_RATE_LIMITS__PER_ADDRESS": "100000/minute",
        "KITH_RATE_LIMITS__REGISTER_PER_CLIENT": "1000/hour",
        "KITH_RATE_LIMITS__LOGIN_PER_CLIENT": "1000/minute",
        # Cheap password hashing: the test is about replicas, not argon2's cost.
        "KITH_AUTH__ARGON2_TIME_COST": "1",
        "KITH_AUTH__ARGON2_MEMORY_KIB": "1024",
    }
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with (
        receiver() as hook,
        _serving(database, tmp_path / "one", **env) as one,
        _serving(database, tmp_path / "two", **env) as two,
    ):
        direct = Database.connect(database)
        async with direct.transaction() as session:
            session.add(
                WebhookEndpoint(
                    url=hook.url,
                    event_types=["request.created", "match.proposed", "match.confirmed"],
                    secret=SECRET,
                )
            )
        await direct.engine.dispose()
        async with (
            httpx.AsyncClient(base_url=one.url, timeout=30) as a,
            httpx.AsyncClient(base_url=two.url, timeout=30) as b,
        ):
            both = (a, b)

            # An offer edited at once through each replica from the same version.
            owner = await _join(a, "Owen")
            body = {"category": "diy", "title": "Shelves", "details": ""}
            offer = (await a.post("/v1/offers", headers=owner, json=body)).json()
            edits = await asyncio.gather(
                *(
                    replica.patch(
                        f"/v1/offers/{offer['id']}",
                        headers=owner | {"If-Match": '"1"'},
                        json={"title": f"Shelves ({n})"},
                    )
                    for n, replica in enumerate(both)
                )
            )
            final = (await b.get(f"/v1/offers/{offer['id']}", headers=owner)).json()

            # One request, ten helpers saying yes at once through both replicas.
            rosa = await _join(b, "Rosa")
            request = await a.post(
                "/v1/requests",
                headers=rosa,
                json={"category": "shopping", "title": "Milk", "urgency": "normal"},
            )
            assert request.status_code == 201, request.text
            helpers = [await _join(both[n % 2], f"Helper {n}") for n in range(10)]
            shopping = {"category": "shopping", "title": "Happy to shop", "details": ""}
            matches = []
            for n, helper in enumerate(helpers):
                offered = await both[n % 2].post("/v1/offers", headers=helper, json=shopping)
                assert offered.status_code == 201, offered.text
                me = (await a.get("/v1/me", headers=helper)).json()
                proposed = await both[n % 2].post(
                    f"/v1/requests/{request.json()['id']}/matches",
                    headers=rosa,
                    json={"helper_id": me["id"]},
                )
                assert proposed.status_code == 201, proposed.text
                matches.append(proposed.json()["id"])
            accepts = await asyncio.gather(
                *(
                    both[n % 2].post(f"/v1/matches/{match}/accept", headers=helper, json={})
                    for n, (helper, match) in enumerate(zip(helpers, matches, strict=True))
                )
            )

            # One resident's requests spread over both replicas share one quota.
            spread = await _join(a, "Sam")
            looks = [await both[n % 2].get("/v1/me", headers=spread) for n in range(40)]

            expected = 1 + len(matches)  # request.created, match.proposed per helper
            for _ in range(150):
                if len({r.headers["webhook-id"] for r in hook.received}) >= expected:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)  # anything sent twice arrives by now

    assert sorted(e.status_code for e in edits) == [200, 412]
    assert final["version"] == 2

    assert sorted(r.status_code for r in accepts) == [200] + [409] * 9

    # Shared, 40 spread over two replicas are cut at the quota (unshared, all 40 would pass).
    # The sliding window weighs the previous minute, so a run across a minute's turn may let
    # one more through.
    allowed = [r.status_code for r in looks].count(200)
    assert PER_RESIDENT <= allowed <= PER_RESIDENT + 1, allowed
    assert {r.status_code for r in looks} == {200, 429}

    ids_by_event: dict[str, set[str]] = defaultdict(set)
    for arrived in hook.received:
        payload: dict[str, Any] = json.loads(arrived.body)
        event = json.dumps([payload["type"], payload["data"]], sort_keys=True)
        ids_by_event[event].add(arrived.headers["webhook-id"])
    assert len(ids_by_event) == expected, sorted(ids_by_event)
    assert [e for e, ids in ids_by_event.items() if len(ids) != 1] == []
