"""Small async factories that go through the real API (or, for admins, the real service)."""

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from models.residents import Resident

PASSWORD = "plum-orchard-lantern-42"
# A point in central Bristol; the tests only ever see the cell around it.
HOME = {"lat": 51.4545, "lon": -2.5879}
_serial = itertools.count(1)


@dataclass
class Account:
    id: uuid.UUID
    email: str
    password: str
    access_token: str = ""
    refresh_token: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def unique_email(prefix: str = "resident") -> str:
    return f"{prefix}-{next(_serial)}-{uuid.uuid4().hex[:6]}@example.org"


def registration(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": unique_email(),
        "password": PASSWORD,
        "display_name": "Robin",
        "home": HOME,
    }
    body.update(overrides)
    return body


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, str]:
    response = await client.post("/v1/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


async def register(client: httpx.AsyncClient, **overrides: object) -> Account:
    body = registration(**overrides)
    response = await client.post("/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    account = Account(
        id=uuid.UUID(response.json()["id"]),
        email=str(body["email"]),
        password=str(body["password"]),
    )
    tokens = await sign_in(client, account.email, account.password)
    account.access_token = tokens["access_token"]
    account.refresh_token = tokens["refresh_token"]
    return account


async def make_admin(client: httpx.AsyncClient, session: AsyncSession) -> Account:
    """Admins are made from the command line, not the API; the test promotes one directly."""
    account = await register(client, display_name="Admin")
    resident = await session.get(Resident, account.id)
    assert resident is not None
    resident.is_admin = True
    session.add(resident)
    await session.commit()
    return account


async def resident_row(
    session: AsyncSession, name: str = "Robin", cell: str | None = None
) -> Resident:
    """A resident written straight to the database, for service tests that need many."""
    resident = Resident(
        email=unique_email(name.lower()),
        display_name=name,
        password_hash="-",
        home_cell=cell,
    )
    session.add(resident)
    await session.flush()
    return resident


async def connect(client: httpx.AsyncClient, a: Account, b: Account) -> str:
    """a asks, b accepts: returns the connection id."""
    asked = await client.post("/v1/connections", headers=a.headers, json={"resident_id": str(b.id)})
    assert asked.status_code == 201, asked.text
    accepted = await client.post(f"/v1/connections/{asked.json()['id']}/accept", headers=b.headers)
    assert accepted.status_code == 200, accepted.text
    connection_id: str = accepted.json()["id"]
    return connection_id


async def make_connector(
    client: httpx.AsyncClient, session: AsyncSession, name: str = "Connie"
) -> Account:
    """A connector of a neighbourhood around HOME, appointed by an admin through the API."""
    admin = await make_admin(client, session)
    area = await client.post(
        "/v1/neighbourhoods",
        headers=admin.headers,
        json={"name": "Old Market", "lat": HOME["lat"], "lon": HOME["lon"], "radius_m": 2000},
    )
    assert area.status_code == 201, area.text
    connector = await register(client, display_name=name)
    appointed = await client.put(
        f"/v1/neighbourhoods/{area.json()['id']}/connectors/{connector.id}", headers=admin.headers
    )
    assert appointed.status_code == 204, appointed.text
    return connector


async def profile(client: httpx.AsyncClient, viewer: Account, subject: Account) -> Any:
    """`subject`'s public profile as `viewer` sees it (which must succeed)."""
    response = await client.get(f"/v1/residents/{subject.id}", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return response.json()
