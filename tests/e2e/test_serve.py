"""`kith serve` as a real process on a real port, driven over HTTP like a phone would."""

import json
import subprocess
from pathlib import Path

import httpx

from services.demo import DEMO_PASSWORD
from tests.e2e.conftest import KITH, Server

PASSWORD = "heron-quarry-violet-73"
ADMIN_PASSWORD = "kestrel-meadow-copper-19"


def _json_lines(log: Path) -> list[dict[str, object]]:
    lines = []
    for raw in log.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def test_register_token_refresh_reuse_and_me_over_http(server: Server) -> None:
    email = "e2e-walker@example.org"
    with httpx.Client(base_url=server.url, timeout=10) as http:
        registered = http.post(
            "/v1/auth/register",
            json={
                "email": email,
                "password": PASSWORD,
                "display_name": "Walker",
                "home": {"lat": 50.4316, "lon": -3.6851},
            },
        )
        assert registered.status_code == 201, registered.text

        token = http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
        assert token.status_code == 200
        first = token.json()

        refreshed = http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert refreshed.status_code == 200
        second = refreshed.json()

        me = http.get("/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
        assert me.status_code == 200
        assert me.json()["email"] == email
        # The demo neighbourhood covers the town centre, so this newcomer belongs to it.
        assert [n["name"] for n in me.json()["neighbourhoods"]] == ["Totnes town centre (demo)"]

        replayed = http.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
        assert replayed.status_code == 401
        assert replayed.headers["content-type"] == "application/problem+json"
        # The replay ended the whole sign-in: the newer refresh and access tokens too.
        after_replay = http.post(
            "/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
        )
        assert after_replay.status_code == 401
        ended = http.get("/v1/me", headers={"Authorization": f"Bearer {second['access_token']}"})
        assert ended.status_code == 401

        again = http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
        me_again = http.get(
            "/v1/me", headers={"Authorization": f"Bearer {again.json()['access_token']}"}
        )
        assert me_again.status_code == 200

    log_text = server.log.read_text()
    for secret in (PASSWORD, email, first["refresh_token"], second["access_token"]):
        assert secret not in log_text
    requests = [line for line in _json_lines(server.log) if line.get("message") == "request"]
    assert len(requests) >= 6
    assert all(len(str(line["request_id"])) == 32 for line in requests)
    assert {"route": "/v1/auth/refresh", "status": 401} in [
        {"route": line["route"], "status": line["status"]} for line in requests
    ]


def test_demo_residents_see_busy_feeds(server: Server) -> None:
    printed = server.log.read_text()
    assert "Sign in as resident001@demo.kith.example.org" in printed
    with httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post(
            "/v1/auth/token",
            data={"username": "resident001@demo.kith.example.org", "password": DEMO_PASSWORD},
        )
        assert token.status_code == 200
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        offers = http.get("/v1/offers", headers=auth, params={"limit": 100}).json()
        requests = http.get("/v1/requests", headers=auth, params={"limit": 100}).json()

        circle = http.get("/v1/me/circle", headers=auth, params={"limit": 100}).json()
        nearby_events = http.get("/v1/events", headers=auth).json()

    assert len(offers["items"]) >= 20
    assert len(requests["items"]) >= 10
    assert circle["items"]
    assert any("connected" in member["kinds"] for member in circle["items"])
    assert {item["title"] for item in nearby_events["items"]} >= {"Tuesday community supper"}
    buckets = [item["distance"]["bucket_km"] for item in offers["items"]]
    assert buckets == sorted(buckets)


def _signed_up(http: httpx.Client, name: str) -> tuple[str, dict[str, str]]:
    email = f"e2e-{name.lower()}@example.org"
    registered = http.post(
        "/v1/auth/register",
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": name,
            "home": {"lat": 50.4316, "lon": -3.6851},
        },
    )
    assert registered.status_code == 201, registered.text
    token = http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
    return registered.json()["id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_two_residents_connect_vouch_block_and_unblock(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        ann_id, ann = _signed_up(http, "Ann")
        ben_id, ben = _signed_up(http, "Ben")
        asked = http.post("/v1/connections", headers=ann, json={"resident_id": ben_id})
        accepted = http.post(f"/v1/connections/{asked.json()['id']}/accept", headers=ben)
        vouched = http.post("/v1/vouches", headers=ann, json={"resident_id": ben_id})
        profile = http.get(f"/v1/residents/{ben_id}", headers=ann).json()
        blocked = http.post("/v1/blocks", headers=ann, json={"resident_id": ben_id})
        hidden = http.get(f"/v1/residents/{ann_id}", headers=ben)
        unblocked = http.delete(f"/v1/blocks/{ben_id}", headers=ann)
        seen_again = http.get(f"/v1/residents/{ann_id}", headers=ben)

    assert accepted.status_code == 200
    assert vouched.status_code == 201
    assert profile["trust"]["your_tie"]["kinds"] == ["connected", "vouched"]
    assert "you vouched for them" in profile["trust"]["reasons"]
    assert blocked.status_code == 201
    assert hidden.status_code == 404
    assert unblocked.status_code == 204
    assert seen_again.status_code == 200
    assert seen_again.json()["trust"]["your_tie"] is None  # the block ended both, for good


def test_create_admin_from_the_command_line(server: Server) -> None:
    email = "first-admin@example.org"
    made = subprocess.run(
        [KITH, "create-admin", "--email", email, "--password-stdin"],
        input=ADMIN_PASSWORD + "\n",
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert ADMIN_PASSWORD not in made.stdout + made.stderr

    with httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post("/v1/auth/token", data={"username": email, "password": ADMIN_PASSWORD})
        assert token.status_code == 200
        created = http.post(
            "/v1/neighbourhoods",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            json={"name": "Bridgetown", "lat": 50.4290, "lon": -3.6800, "radius_m": 600},
        )
        assert created.status_code == 201, created.text


def test_create_admin_refuses_a_weak_password(server: Server) -> None:
    made = subprocess.run(
        [KITH, "create-admin", "--email", "weak-admin@example.org", "--password-stdin"],
        input="password123\n",
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert made.returncode != 0
    assert "too weak" in made.stderr


def test_create_admin_promotes_an_existing_account_only_with_its_password(
    server: Server,
) -> None:
    email = "ops@example.org"
    with httpx.Client(base_url=server.url, timeout=10) as http:
        squatter = http.post(
            "/v1/auth/register",
            json={
                "email": email,
                "password": PASSWORD,
                "display_name": "Squatter",
                "home": {"lat": 50.4316, "lon": -3.6851},
            },
        )
        assert squatter.status_code == 201

    def create_admin(password: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [KITH, "create-admin", "--email", email, "--password-stdin"],
            input=password + "\n",
            env=server.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    refused = create_admin(ADMIN_PASSWORD)
    assert refused.returncode != 0
    assert "current password" in refused.stderr

    with httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
        me = http.get("/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert me.json()["roles"]["admin"] is False

    promoted = create_admin(PASSWORD)
    assert promoted.returncode == 0, promoted.stderr
