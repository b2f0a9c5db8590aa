"""The feed's reach, checked against brute force on a fixed fixture of cells and radii."""

import random
from datetime import timedelta

import h3
from geopy.distance import great_circle
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.categories import Category
from models.offers import Offer, OfferStatus
from models.residents import Resident
from services import geo, offers

VIEWER_POINT = (51.4545, -2.5879)


async def _resident(session: AsyncSession, name: str, cell: str) -> Resident:
    resident = Resident(
        email=f"{name}-{random.random()}@example.org",
        display_name=name,
        password_hash="-",
        home_cell=cell,
        cell_resolution=h3.get_resolution(cell),
    )
    session.add(resident)
    await session.flush()
    return resident


async def test_feed_reach_matches_brute_force(session: AsyncSession) -> None:
    rng = random.Random(3)
    viewer = await _resident(session, "viewer", geo.cell_of(*VIEWER_POINT, 8))
    expected, everything = set(), []
    # Posts at both resolutions, 0-12 km away, with every radius a post may have.
    for index in range(120):
        lat = VIEWER_POINT[0] + rng.uniform(-0.1, 0.1)
        lon = VIEWER_POINT[1] + rng.uniform(-0.15, 0.15)
        resolution = rng.choice((7, 8))
        cell = geo.cell_of(lat, lon, resolution)
        owner = await _resident(session, f"owner{index}", cell)
        radius = rng.choice((100, 500, 1000, 1500, 3000, 6000, 10_000))
        status = OfferStatus.paused if index % 10 == 0 else OfferStatus.active
        offer = Offer(
            owner_id=owner.id,
            category=Category.diy,
            title=f"Offer {index}",
            cell=cell,
            radius_m=radius,
            status=status,
            expires_at=utcnow() + timedelta(days=1),
        )
        session.add(offer)
        everything.append(offer)
    await session.flush()

    for within_m in (1000, 3000, 7500):
        page = await offers.browse(
            session, viewer, within_m=within_m, categories=[], mine=False, cursor=None, limit=100
        )
        viewer_centre = geo.cell_centre(viewer.home_cell or "")
        expected = {
            o.id
            for o in everything
            if o.status == OfferStatus.active
            and great_circle(viewer_centre, geo.cell_centre(o.cell)).meters
            <= min(o.radius_m, within_m)
        }
        assert {item.id for item in page.items} == expected, within_m
        assert expected  # the fixture exercises something at every within_m
