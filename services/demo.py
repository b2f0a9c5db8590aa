"""A synthetic neighbourhood for `kith serve --demo`, so a newcomer sees Kith working at once.

Deterministic (a fixed seed) and idempotent: a second run finds the marker account and stops.
Only ever called from `--demo`; these accounts never exist otherwise.
"""

import random
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.neighbourhoods import NeighbourhoodConnector, NeighbourhoodCreate
from models.residents import Resident
from services import geo, neighbourhoods
from services.passwords import PasswordHasher

DEMO_PASSWORD = "kith-demo-only-password"
DEMO_DOMAIN = "demo.kith.example.org"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
# Totnes, Devon: a real small town, so the cells fall on real streets.
TOWN_CENTRE = (50.4316, -3.6851)
RESIDENTS = 60
_FIRST_NAMES = (
    "Ada",
    "Bea",
    "Cal",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hal",
    "Ivy",
    "Jo",
    "Kit",
    "Lou",
    "Mo",
    "Nia",
    "Oli",
    "Pip",
    "Raj",
    "Sam",
    "Tess",
    "Uma",
    "Vic",
    "Wyn",
    "Yas",
    "Zoe",
)


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    resident_count: int
    sample_email: str
    admin_email: str


def _resident_email(index: int) -> str:
    return f"resident{index:03d}@{DEMO_DOMAIN}"


async def seed(session: AsyncSession, hasher: PasswordHasher) -> DemoSummary:
    existing = (
        await session.exec(select(Resident.id).where(Resident.email == ADMIN_EMAIL))
    ).first()
    summary = DemoSummary(
        created=existing is None,
        resident_count=RESIDENTS,
        sample_email=_resident_email(1),
        admin_email=ADMIN_EMAIL,
    )
    if existing is not None:
        return summary
    rng = random.Random(8)
    password_hash = await hasher.hash(DEMO_PASSWORD)  # one hash shared: it is demo data
    admin = Resident(
        email=ADMIN_EMAIL, display_name="Demo admin", password_hash=password_hash, is_admin=True
    )
    session.add(admin)
    await session.flush()
    area = await neighbourhoods.create(
        session,
        NeighbourhoodCreate(
            name="Totnes town centre (demo)",
            description="A synthetic neighbourhood for trying Kith out.",
            lat=TOWN_CENTRE[0],
            lon=TOWN_CENTRE[1],
            radius_m=2_000,
        ),
        created_by=admin.id,
    )
    residents = []
    for index in range(1, RESIDENTS + 1):
        # Clustered like a real town: most people near the centre, a few further out.
        lat = TOWN_CENTRE[0] + rng.gauss(0, 0.006)
        lon = TOWN_CENTRE[1] + rng.gauss(0, 0.009)
        residents.append(
            Resident(
                email=_resident_email(index),
                display_name=f"{rng.choice(_FIRST_NAMES)} {chr(65 + index % 26)}.",
                password_hash=password_hash,
                home_cell=geo.cell_of(lat, lon, 8),
            )
        )
    session.add_all(residents)
    await session.flush()
    for connector in residents[:2]:
        session.add(
            NeighbourhoodConnector(
                neighbourhood_id=area.id, resident_id=connector.id, appointed_by=admin.id
            )
        )
    await session.flush()
    return summary
