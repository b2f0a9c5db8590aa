import math

import h3
from geopy.distance import great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from services import geo

# A fixed fixture: points in very different places on the grid (equator, high latitude,
# near the antimeridian, a UK town), at both resolutions residents may use.
FIXTURE_POINTS = [(51.4545, -2.5879), (0.0, 0.0), (64.1466, -21.9426), (-36.8485, 174.7633)]


def _brute_force(lat: float, lon: float, radius_m: float, resolution: int) -> set[str]:
    origin = geo.cell_of(lat, lon, resolution)
    # Neighbouring centres are >600 m apart at resolution 8 and >1.6 km at 7: a generous disk.
    k = math.ceil(radius_m / (200 if resolution == 8 else 500)) + 2
    candidates = h3.grid_disk(origin, k)
    found = {
        c for c in candidates if great_circle((lat, lon), geo.cell_centre(c)).meters <= radius_m
    }
    return found | {origin}


def test_cells_within_agrees_with_brute_force_on_the_fixture() -> None:
    for lat, lon in FIXTURE_POINTS:
        for resolution in (7, 8):
            for radius in (100, 750, 1500, 4000, 10_000):
                assert geo.cells_within(lat, lon, radius, resolution) == _brute_force(
                    lat, lon, radius, resolution
                ), (lat, lon, radius, resolution)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(min_value=-70, max_value=70),
    lon=st.floats(min_value=-179.9, max_value=179.9),
    radius=st.integers(min_value=200, max_value=12_000),
)
def test_cells_within_never_misses_a_cell(lat: float, lon: float, radius: int) -> None:
    assert geo.cells_within(lat, lon, radius, 8) == _brute_force(lat, lon, radius, 8)


def test_distance_is_a_function_of_cells_alone() -> None:
    a = geo.cell_of(51.4545, -2.5879, 8)
    b = geo.cell_of(51.4600, -2.6000, 8)
    nudged = geo.cell_of(51.45451, -2.58791, 8)
    assert nudged == a
    assert geo.centre_distance_m(a, b) == geo.centre_distance_m(nudged, b)


def test_resolution_changes() -> None:
    fine = geo.cell_of(51.4545, -2.5879, 8)
    coarse = geo.at_resolution(fine, 7)
    assert coarse == geo.cell_of(51.4545, -2.5879, 7)
    assert geo.at_resolution(coarse, 8) == h3.cell_to_center_child(coarse, 8)
    assert geo.at_resolution(fine, 8) == fine
