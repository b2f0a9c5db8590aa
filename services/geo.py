"""The grid and distance maths. Every location Kith keeps is an H3 cell; points are dropped."""

import math
from functools import lru_cache

import h3
from geopy.distance import great_circle


def cell_of(lat: float, lon: float, resolution: int) -> str:
    """The H3 cell that holds a point; callers keep this and drop the point."""
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cell_centre(cell: str) -> tuple[float, float]:
    lat, lon = h3.cell_to_latlng(cell)
    return float(lat), float(lon)


@lru_cache(maxsize=65_536)  # a pure function of two cells, asked again on every feed
def centre_distance_m(a: str, b: str) -> float:
    """Great-circle distance between two cells' centres: a function of the cells alone."""
    return float(great_circle(cell_centre(a), cell_centre(b)).meters)


def at_resolution(cell: str, resolution: int) -> str:
    """The cell seen at another resolution: its parent, or its centre child when finer.

    A resident who chose a coarse cell has no finer one on record; their coarse cell's centre
    child stands in for it, so membership tests still have one answer per cell.
    """
    current = h3.get_resolution(cell)
    if resolution == current:
        return cell
    if resolution < current:
        return str(h3.cell_to_parent(cell, resolution))
    return str(h3.cell_to_center_child(cell, resolution))


def cells_within(lat: float, lon: float, radius_m: float, resolution: int) -> set[str]:
    """Cells whose centres lie within `radius_m` of a point, always including the point's own.

    The grid disk is sized from the smallest hexagon edge so that no cell within the radius is
    missed anywhere on Earth; the exact distance filter then trims it.
    """
    origin = cell_of(lat, lon, resolution)
    # Neighbouring centres are at least sqrt(3) * edge apart; pentagon-adjacent cells and
    # distortion make the shortest edge ~0.55x the average, hence the margin.
    spacing = math.sqrt(3) * h3.average_hexagon_edge_length(resolution, unit="m") * 0.5
    k = math.ceil(radius_m / spacing) + 1
    cells = {
        str(c)
        for c in h3.grid_disk(origin, k)
        if great_circle((lat, lon), cell_centre(c)).meters <= radius_m
    }
    cells.add(origin)
    return cells


def distance_bucket(distance_m: float) -> tuple[int, str]:
    """The coarse distance a person is shown: (whole km, label). Under 1 km is bucket 0."""
    if distance_m < 1000:
        return 0, "under 1 km"
    km = max(1, round(distance_m / 1000))
    return km, f"about {km} km"


@lru_cache(maxsize=4096)  # the same few home cells and radii, asked on every feed
def cells_near_cell(cell: str, radius_m: float, resolutions: tuple[int, ...]) -> frozenset[str]:
    """Cells, at each resolution, whose centres lie within `radius_m` of `cell`'s centre.

    Measured from the centre, never from a point: the answer depends on the cell alone.
    """
    lat, lon = cell_centre(cell)
    found: set[str] = set()
    for resolution in resolutions:
        found |= cells_within(lat, lon, radius_m, resolution)
    return frozenset(found)
