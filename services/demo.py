"""A synthetic neighbourhood for `kith serve --demo`, so a newcomer sees Kith working at once.

Deterministic (a fixed seed) and idempotent: a second run finds the marker account and stops.
Only ever called from `--demo`; these accounts never exist otherwise.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.categories import Category
from models.neighbourhoods import NeighbourhoodConnector, NeighbourhoodCreate
from models.offers import Offer
from models.posts import Visibility
from models.requests import HelpRequest, Urgency
from models.residents import Resident
from models.ties import TieKind
from models.trust import Connection, ConnectionStatus
from models.vouches import Vouch
from services import (
    connections,
    demo_events,
    demo_matching,
    demo_moderation,
    geo,
    neighbourhoods,
    ties,
)
from services.passwords import PasswordHasher

DEMO_PASSWORD = "kith-demo-only-password"
DEMO_DOMAIN = "demo.kith.example.org"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
# Totnes, Devon: a real small town, so the cells fall on real streets.
TOWN_CENTRE = (50.4316, -3.6851)
# Where people live: the centre and three outlying clusters (weight, lat, lon, spread).
CLUSTERS = (
    (0.45, 50.4316, -3.6851, 0.004),
    (0.25, 50.4268, -3.6960, 0.003),  # Bridgetown
    (0.20, 50.4385, -3.6930, 0.003),  # up the hill to the north-west
    (0.10, 50.4230, -3.6750, 0.005),  # the southern edge
)
RESIDENTS = 300
_FIRST_NAMES = (
    "Ada", "Bea", "Cal", "Dev", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou", "Mo",
    "Nia", "Oli", "Pip", "Raj", "Sam", "Tess", "Uma", "Vic", "Wyn", "Yas", "Zoe",
)  # fmt: skip
_OFFERS = {
    Category.shopping: "Happy to pick up shopping when I go",
    Category.lifts: "Lifts to the station or the hospital",
    Category.diy: "Small repairs, shelves and flat-pack",
    Category.gardening: "Weeding and mowing on Saturdays",
    Category.pet_care: "Dog walks in the mornings",
    Category.tech_help: "Help setting up phones and video calls",
    Category.cooked_meals: "I cook too much soup: happy to share",
    Category.lending: "Ladder, drill and a wallpaper steamer to lend",
    Category.language: "Polish and English conversation",
    Category.befriending_phone: "A weekly chat on the phone",
}
_REQUESTS = {
    Category.shopping: "Groceries while I recover from an operation",
    Category.prescriptions: "Prescription to collect from the pharmacy",
    Category.lifts: "A lift to a hospital appointment",
    Category.forms_and_letters: "Help with a form from the council",
    Category.gardening: "Garden has got away from me",
    Category.tech_help: "Can't get my new phone to work",
    Category.pet_care: "Someone to feed my cat next week",
    Category.diy: "A dripping tap in the kitchen",
}


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    resident_count: int
    offer_count: int
    request_count: int
    sample_email: str
    admin_email: str
    connector_email: str  # a connector of the demo neighbourhood, with a busy queue


def _resident_email(index: int) -> str:
    return f"resident{index:03d}@{DEMO_DOMAIN}"


def _home(rng: random.Random) -> tuple[float, float]:
    weights = [cluster[0] for cluster in CLUSTERS]
    _, lat, lon, spread = rng.choices(CLUSTERS, weights=weights)[0]
    # Longitude degrees are shorter here, so the spread is widened to stay round.
    return lat + rng.gauss(0, spread), lon + rng.gauss(0, spread * 1.55)


def _posts(rng: random.Random, residents: list[Resident]) -> tuple[list[Offer], list[HelpRequest]]:
    now = utcnow()
    offers, requests = [], []
    for resident in residents:
        assert resident.home_cell is not None
        created = now - timedelta(hours=rng.randint(1, 24 * 20))
        if rng.random() < 0.45:
            category = rng.choice(list(_OFFERS))
            offers.append(
                Offer(
                    owner_id=resident.id,
                    category=category,
                    title=_OFFERS[category],
                    cell=resident.home_cell,
                    radius_m=rng.choice((1000, 1500, 1500, 2000, 3000)),
                    visibility=Visibility.circle if rng.random() < 0.15 else Visibility.nearby,
                    expires_at=created + timedelta(days=60),
                    created_at=created,
                    updated_at=created,
                )
            )
        if rng.random() < 0.25:
            category = rng.choice(list(_REQUESTS))
            requests.append(
                HelpRequest(
                    owner_id=resident.id,
                    category=category,
                    title=_REQUESTS[category],
                    cell=resident.home_cell,
                    radius_m=rng.choice((1000, 1500, 2000)),
                    urgency=rng.choice(
                        (Urgency.low, Urgency.normal, Urgency.normal, Urgency.urgent)
                    ),
                    expires_at=created + timedelta(days=30),
                    created_at=created,
                    updated_at=created,
                )
            )
    return offers, requests


async def _ties(
    session: AsyncSession,
    rng: random.Random,
    residents: list[Resident],
    connectors: list[Resident],
) -> None:
    """A few connections each, people who met at the demo's events, and connectors' vouches,
    so circles, profiles, events and circle-only posts have something to show."""
    now = utcnow()
    pairs: set[tuple[int, int]] = set()
    for index in range(len(residents)):
        for other in rng.sample(range(len(residents)), 2):
            if other != index:
                pairs.add((min(index, other), max(index, other)))
    for a, b in sorted(pairs):
        at = now - timedelta(days=rng.randint(1, 400))
        session.add(
            Connection(
                requester_id=residents[a].id,
                addressee_id=residents[b].id,
                status=ConnectionStatus.accepted,
                created_at=at,
                expires_at=at + connections.ASK_LIFETIME,
                responded_at=at,
            )
        )
        await ties.record_tie(session, residents[a].id, residents[b].id, TieKind.connected, at=at)
    await demo_events.seed_events(session, rng, residents)
    for vouchee in rng.sample(residents[2:], 20):
        voucher = rng.choice(connectors)
        session.add(Vouch(voucher_id=voucher.id, vouchee_id=vouchee.id, by_connector=True))
        await ties.record_tie(session, voucher.id, vouchee.id, TieKind.vouched, at=now)
    await session.flush()


async def seed(session: AsyncSession, hasher: PasswordHasher) -> DemoSummary:
    found = await session.exec(select(Resident.id).where(Resident.email == ADMIN_EMAIL))
    if found.first() is not None:
        return DemoSummary(
            False, RESIDENTS, 0, 0, _resident_email(1), ADMIN_EMAIL, _resident_email(2)
        )
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
        lat, lon = _home(rng)
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
    offers, requests = _posts(rng, residents)
    session.add_all([*offers, *requests])
    await session.flush()
    await _ties(session, rng, residents, connectors=residents[:2])
    await demo_matching.seed_matching(session, rng, residents)
    await demo_moderation.seed_moderation(session, rng, residents, residents[1], area.id)
    return DemoSummary(
        True,
        RESIDENTS,
        len(offers),
        len(requests),
        _resident_email(1),
        ADMIN_EMAIL,
        _resident_email(2),
    )
