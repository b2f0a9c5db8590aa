"""Where the synthetic city's neighbourhoods lie and who lives in each.

The demo neighbourhood (Totnes town centre) is neighbourhood 0; the city grows outwards from
it in rings of neighbourhoods 3 km apart, each about 700 people living within a kilometre or
so of its centre. However large the city, a request's reach (1 to 3 km) holds about the same
number of neighbours: cost should follow local density, not the city's size.

Everything is derived from the neighbourhood's number (its random stream, its residents'
ids, its centre), so a seed that stopped half way resumes where it stopped and makes the
same city.
"""

import math
import random
import uuid
from dataclasses import dataclass
from functools import cache

from services import geo

CENTRE = (50.4316, -3.6851)  # Totnes, the demo neighbourhood's centre
KM_LAT = 1 / 111.2  # degrees per km, north-south
KM_LON = 1 / (111.2 * math.cos(math.radians(CENTRE[0])))
PER_NEIGHBOURHOOD = 700
SPACING_KM = 3.0
SPREAD_KM = 0.8  # standard deviation of homes around a centre, each axis
HOME_RESOLUTION = 8
_IDS = uuid.UUID("6b1f0d1e-7c1a-4f5e-9a43-2d6f0c8e4b11")  # namespace of the city's ids
_PLACES = (
    "Ash", "Brook", "Elm", "Oak", "Mill", "Stone", "Church", "Kings", "Queens", "Fern",
    "Hazel", "Wood", "Marsh", "Castle", "Bridge", "Chapel", "Holly", "Orchard", "Heath", "Well",
)  # fmt: skip
_ENDINGS = (
    "field", "ford", "ton", "combe", "leigh", "side", "gate", "bury", "moor", "cross", "bank",
    "dale", "hill", "green",
)  # fmt: skip


@dataclass(frozen=True)
class Neighbourhood:
    number: int  # 1, 2, ...: the demo's own is 0
    lat: float
    lon: float
    size: int  # residents

    @property
    def name(self) -> str:
        index = self.number - 1
        place = _PLACES[index % len(_PLACES)] + _ENDINGS[index // len(_PLACES) % len(_ENDINGS)]
        ring = index // (len(_PLACES) * len(_ENDINGS))
        return f"{place} (demo)" if ring == 0 else f"{place} {ring + 1} (demo)"

    def rng(self, purpose: str) -> random.Random:
        """A random stream of its own for each purpose, so each part is repeatable alone."""
        return random.Random(f"kith-city {self.number} {purpose}")

    def resident_id(self, index: int) -> uuid.UUID:
        return resident_id(self.number, index)

    def homes(self) -> list[str]:
        rng = self.rng("homes")
        return [
            geo.cell_of(
                self.lat + rng.gauss(0, SPREAD_KM) * KM_LAT,
                self.lon + rng.gauss(0, SPREAD_KM) * KM_LON,
                HOME_RESOLUTION,
            )
            for _ in range(self.size)
        ]


def resident_id(neighbourhood: int, index: int) -> uuid.UUID:
    return uuid.uuid5(_IDS, f"resident {neighbourhood} {index}")


def entity_id(neighbourhood: int, kind: str, index: int) -> uuid.UUID:
    return uuid.uuid5(_IDS, f"{kind} {neighbourhood} {index}")


def resident_email(neighbourhood: int, index: int, domain: str) -> str:
    return f"n{neighbourhood}.r{index}@{domain}"


def neighbourhoods(residents: int) -> list[Neighbourhood]:
    """The city's neighbourhoods beyond the demo's, holding `residents` people in all."""
    count = math.ceil(residents / PER_NEIGHBOURHOOD) if residents > 0 else 0
    found = []
    for number, (x, y) in enumerate(_grid(count), start=1):
        rng = random.Random(f"kith-city {number} centre")
        east = (x + rng.uniform(-0.2, 0.2)) * SPACING_KM
        north = (y + rng.uniform(-0.2, 0.2)) * SPACING_KM
        size = min(PER_NEIGHBOURHOOD, residents - (number - 1) * PER_NEIGHBOURHOOD)
        found.append(
            Neighbourhood(number, CENTRE[0] + north * KM_LAT, CENTRE[1] + east * KM_LON, size)
        )
    return found


@cache
def _ring_order(side: int) -> list[tuple[int, int]]:
    points = [(x, y) for x in range(-side, side + 1) for y in range(-side, side + 1)]
    points.remove((0, 0))  # the demo's
    return sorted(points, key=lambda p: (math.hypot(*p), math.atan2(p[1], p[0])))


def _grid(count: int) -> list[tuple[int, int]]:
    """The nearest `count` points of a square grid around the centre, nearest first."""
    side = 1
    # Rings are round and the square is not: with room to spare, every point nearer than the
    # last one chosen is inside, so a larger city starts with the same neighbourhoods.
    while (2 * side + 1) ** 2 - 1 < count * 1.6:
        side += 1
    return _ring_order(side)[:count]
