"""Every line a real server logs over a whole journey, at DEBUG, searched for anything
personal: emails, names, passwords, tokens, contact details, bios, coordinates."""

from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import _serving

PASSWORD = "quince-harbour-lantern-77"
HOME = {"lat": 51.45451, "lon": -2.58791}
NEAR = {"lat": 51.45953, "lon": -2.58213}


async def _register(http: httpx.AsyncClient, name: str, email: str, home: Any) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD, "display_name": name, "home": home}
    created = await http.post("/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    tokens = await http.post("/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    signed_in: dict[str, str] = tokens.json()
    return signed_in


def _bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_a_whole_journey_logs_nothing_personal(database: str, tmp_path: Path) -> None:
    secrets: list[str] = [PASSWORD, "Philippa Quennell-Ashdown", "Bartholomew Ystradgynlais"]
    secrets += ["philippa.q@example.org", "bart.y@example.org", "07700 900461"]
    secrets += ["Flat 3, blue door by the bakery", "Retired plumber, loves dahlias"]
    secrets += [f"{HOME['lat']}", f"{HOME['lon']}", f"{NEAR['lat']}", f"{NEAR['lon']}"]
    with _serving(database, tmp_path, KITH_LOG_LEVEL="DEBUG") as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as http:
            rosa = await _register(http, secrets[1], secrets[3], HOME)
            kim = await _register(http, secrets[2], secrets[4], NEAR)
            secrets += [rosa["access_token"], rosa["refresh_token"], kim["access_token"]]
            await http.patch("/v1/me", headers=_bearer(kim), json={"bio": secrets[7]})
            # What goes wrong is logged too: a wrong password, a taken email, a bad token.
            await http.post("/v1/auth/token", data={"username": secrets[3], "password": "wrong"})
            await http.post(
                "/v1/auth/register",
                json={"email": secrets[3], "password": PASSWORD, "display_name": secrets[1]},
            )
            await http.get("/v1/me", headers={"Authorization": "Bearer not-a-token"})
            refreshed = await http.post(
                "/v1/auth/refresh", json={"refresh_token": rosa["refresh_token"]}
            )
            assert refreshed.status_code == 200, refreshed.text
            secrets.append(refreshed.json()["access_token"])
            rosa = refreshed.json()

            offer = await http.post(
                "/v1/offers",
                headers=_bearer(kim),
                json={"category": "shopping", "title": "Shopping run", "details": secrets[7]},
            )
            assert offer.status_code == 201, offer.text
            request = await http.post(
                "/v1/requests",
                headers=_bearer(rosa),
                json={"category": "shopping", "title": "Milk", "urgency": "normal"},
            )
            assert request.status_code == 201, request.text
            proposed = await http.post(
                f"/v1/requests/{request.json()['id']}/matches",
                headers=_bearer(rosa),
                json={"helper_id": kim_id(await http.get("/v1/me", headers=_bearer(kim)))},
            )
            assert proposed.status_code == 201, proposed.text
            match = proposed.json()["id"]
            accepted = await http.post(
                f"/v1/matches/{match}/accept", headers=_bearer(kim), json={"contact": secrets[5]}
            )
            confirmed = await http.post(
                f"/v1/matches/{match}/confirm",
                headers=_bearer(rosa),
                json={"contact": secrets[6], "meeting_note": secrets[6]},
            )
            assert (accepted.status_code, confirmed.status_code) == (200, 200), confirmed.text
            feed = await http.post("/v1/me/calendar-feed", headers=_bearer(rosa))
            assert feed.status_code == 201, feed.text
            calendar_path = feed.json()["path"]
            secrets.append(calendar_path.rsplit("/", 1)[-1].removesuffix(".ics"))
            await http.get(calendar_path)
            await http.get("/v1/sync", headers=_bearer(rosa))
            await http.post("/v1/auth/logout", json={"refresh_token": rosa["refresh_token"]})

    logged = server.log.read_text()
    assert '"route": "/v1/matches/{match_id}/confirm"' in logged  # the journey was logged
    leaks = [secret for secret in secrets if secret in logged]
    assert leaks == []


def kim_id(me: httpx.Response) -> str:
    assert me.status_code == 200, me.text
    resident_id: str = me.json()["id"]
    return resident_id
