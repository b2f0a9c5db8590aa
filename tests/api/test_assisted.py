"""Assisted residents: registered by a connector from an address looked up on a real
(loopback) Nominatim-compatible server, then helped through the connector."""

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.settings import GeocoderConfig, Settings
from models.residents import Resident
from tests.api.test_offers import FAR, post_offer
from tests.conftest import test_settings as settings_for
from tests.factories import HOME, make_connector, register

PLACES = {
    "1 church lane": [HOME],
    "high street": [HOME, FAR],  # a street name two towns share
    "flat 1, 1 church lane": [HOME, {"lat": HOME["lat"] + 0.00005, "lon": HOME["lon"]}],
}


class _Nominatim(BaseHTTPRequestHandler):
    queries: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        _Nominatim.queries.append(query)
        text = query.get("q", [""])[0].lower()
        if url.path != "/search" or "broken" in text:
            self.send_response(500)
            self.end_headers()
            return
        places = [
            {"lat": str(p["lat"]), "lon": str(p["lon"]), "display_name": text, "place_id": i}
            for i, p in enumerate(PLACES.get(text, []))
        ]
        body = json.dumps(places).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def nominatim() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Nominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def settings(database_url: str, nominatim: str) -> Settings:
    return settings_for(database_url, geocoder=GeocoderConfig(url=nominatim, timeout_s=3))


def _body(address: str) -> dict[str, object]:
    return {
        "display_name": "Mrs Ada Price",
        "address": address,
        "consent": {"given_by": "herself, by phone", "how": "phone"},
        "contact_preference": "phone",
        "contact": "01179 000000",
    }


async def _residents(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(Resident))).one()


async def test_a_connector_registers_a_neighbour_from_their_address(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)

    made = await client.post("/v1/assisted-residents", headers=connie.headers,
                             json=_body("1 Church Lane"))  # fmt: skip
    same_cell = await client.post("/v1/assisted-residents", headers=connie.headers,
                                  json=_body("Flat 1, 1 Church Lane"))  # fmt: skip
    listed = await client.get("/v1/assisted-residents", headers=connie.headers)
    resident = await register(client)
    lookups = len(_Nominatim.queries)
    by_resident = await client.post(
        "/v1/assisted-residents", headers=resident.headers, json=_body("1 Church Lane")
    )

    assert made.status_code == 201, made.text
    assert made.json()["consent"]["given_by"] == "herself, by phone"
    assert made.json()["registered_by"]["id"] == str(connie.id)
    assert "cell" not in made.json()
    assert same_cell.status_code == 201  # two answers in one cell are one place
    assert len(listed.json()["items"]) == 2
    assert by_resident.status_code == 404
    assert len(_Nominatim.queries) == lookups  # a non-connector never sends an address out
    assert _Nominatim.queries[-1]["countrycodes"] == ["gb"]
    stored = await session.get(Resident, uuid.UUID(made.json()["id"]))
    assert stored is not None
    assert stored.home_cell is not None
    assert stored.password_hash == ""  # nobody can sign in as them


@pytest.mark.parametrize(
    ("address", "status", "words"),
    [
        ("Nowhere at all", 422, "No place was found"),
        ("High Street", 422, "different areas"),
        ("broken", 503, "did not answer"),
    ],
)
async def test_a_failed_or_ambiguous_lookup_is_clear_and_creates_nothing(
    client: httpx.AsyncClient, session: AsyncSession, address: str, status: int, words: str
) -> None:
    connie = await make_connector(client, session)
    before = await _residents(session)

    response = await client.post(
        "/v1/assisted-residents", headers=connie.headers, json=_body(address)
    )

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert words in response.json()["detail"]
    assert await _residents(session) == before


async def test_the_connector_asks_and_confirms_for_them_and_it_is_marked_as_theirs(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    connie = await make_connector(client, session)
    ada = (
        await client.post(
            "/v1/assisted-residents", headers=connie.headers, json=_body("1 Church Lane")
        )  # fmt: skip
    ).json()
    kim = await register(client, display_name="Kim")
    await post_offer(client, kim, category="shopping", title="Kim shops")

    asked = await client.post(
        f"/v1/assisted-residents/{ada['id']}/requests",
        headers=connie.headers,
        json={"category": "shopping", "title": "Groceries on Friday"},
    )
    volunteered = await client.post(
        f"/v1/requests/{asked.json()['id']}/matches", headers=kim.headers, json={}
    )
    confirmed = await client.post(
        f"/v1/assisted-residents/{ada['id']}/matches/{volunteered.json()['id']}/confirm",
        headers=connie.headers,
        json={"contact": "Ring Connie on 07700 900001", "meeting_note": "Side door"},
    )
    theirs = await client.get(f"/v1/assisted-residents/{ada['id']}/matches", headers=connie.headers)
    kims_view = (
        await client.get(f"/v1/matches/{volunteered.json()['id']}", headers=kim.headers)
    ).json()
    actions = [
        e["action"] for e in (await client.get("/v1/audit", headers=connie.headers)).json()["items"]
    ]
    email = (await session.exec(select(Resident.email).where(Resident.password_hash == ""))).one()
    cannot_sign_in = await client.post(
        "/v1/auth/token", data={"username": email, "password": "any-password-at-all"}
    )

    assert asked.status_code == 201, asked.text
    assert confirmed.json()["status"] == "confirmed", confirmed.text
    assert confirmed.json()["timeline"][-1]["by"]["id"] == str(connie.id)
    assert [m["status"] for m in theirs.json()["items"]] == ["confirmed"]
    assert kims_view["shared"]["contact"] == "Ring Connie on 07700 900001"
    assert actions.count("acted_for_resident") == 2
    assert "assisted_resident_registered" in actions
    assert cannot_sign_in.status_code == 401
