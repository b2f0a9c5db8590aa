"""The grid and distance maths. Every location Kith keeps is an H3 cell; points are dropped."""

import math

import h3
from geopy.distance import great_circle


def cell_of(lat: float, lon: float, resolution: int) -> str:
    """The H3 cell that holds a point; callers keep this and drop the point."""
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cell_centre(cell: str) -> tuple[float, float]:
    lat, lon = h3.cell_to_latlng(cell)
    return float(lat), float(lon)


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
