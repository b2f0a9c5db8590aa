"""`kith serve` runs the background worker itself: a webhook arrives with no separate
worker running."""

import subprocess
import time

import httpx
from standardwebhooks.webhooks import Webhook

from tests.e2e.conftest import KITH, Server
from tests.e2e.test_serve import ADMIN_PASSWORD
from tests.support.receiver import receiver


def test_the_server_delivers_webhooks_by_itself(server: Server) -> None:
    email = "webhook-admin@example.org"
    made = subprocess.run(
        [KITH, "create-admin", "--email", email, "--password-stdin"],
        input=ADMIN_PASSWORD + "\n", env=server.env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with receiver() as hook, httpx.Client(base_url=server.url, timeout=10) as http:
        token = http.post("/v1/auth/token", data={"username": email, "password": ADMIN_PASSWORD})
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        subscribed = http.post(
            "/v1/webhooks", headers=admin, json={"url": hook.url, "event_types": ["event.created"]}
        )
        assert subscribed.status_code == 201, subscribed.text
        event = http.post(
            "/v1/events",
            headers=admin,
            json={
                "kind": "meal", "title": "Harvest supper",
                "venue": {"name": "Civic hall", "lat": 50.4316, "lon": -3.6851},
                "starts_at": "2030-09-20T18:00:00", "ends_at": "2030-09-20T20:00:00",
            },
        )  # fmt: skip
        assert event.status_code == 201, event.text
        deadline = time.monotonic() + 30
        while not hook.received and time.monotonic() < deadline:
            time.sleep(0.2)

    assert hook.received, server.log.read_text()[-2000:]
    payload = Webhook(subscribed.json()["secret"]).verify(
        hook.received[0].body, hook.received[0].headers
    )
    assert payload["data"] == {"event_id": event.json()["id"]}
