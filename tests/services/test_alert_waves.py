"""The wave rules, for all inputs: nobody off duty or over their cap, the requester's ties
first, never more than asked for; and rotation moves the often-alerted down."""

import uuid
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.alert_waves import Pace, Prospect, next_wave, order_key

prospects = st.lists(
    st.builds(
        Prospect,
        helper_id=st.uuids(),
        score=st.floats(min_value=0, max_value=1),
        along_tie=st.booleans(),
        on_duty=st.booleans(),
        daily_cap=st.integers(min_value=0, max_value=5),
        alerts_today=st.integers(min_value=0, max_value=6),
        alerts_this_week=st.integers(min_value=0, max_value=20),
    ),
    max_size=30,
    unique_by=lambda p: p.helper_id,
)


@given(prospects, st.integers(min_value=1, max_value=12), st.floats(min_value=0, max_value=3))
def test_a_wave_keeps_the_rules(people: list[Prospect], size: int, rotation: float) -> None:
    wave = next_wave(people, size, rotation)

    free = [p for p in people if p.on_duty and p.alerts_today < p.daily_cap]
    assert len(wave) == min(size, len(free))
    assert all(p.on_duty and p.alerts_today < p.daily_cap for p in wave)
    ties = [p.along_tie for p in wave]
    assert ties == sorted(ties, reverse=True)  # every tie before any stranger
    left_out_ties = [p for p in free if p.along_tie and p not in wave]
    assert not left_out_ties or all(p.along_tie for p in wave)


def _person(score: float, this_week: int) -> Prospect:
    return Prospect(uuid.uuid4(), score, False, True, 3, 0, this_week)


def test_rotation_puts_the_often_alerted_behind_a_slightly_weaker_match() -> None:
    busy, rested = _person(0.8, this_week=4), _person(0.6, this_week=0)

    assert next_wave([busy, rested], 1, rotation=0.5) == [rested]
    assert next_wave([busy, rested], 1, rotation=0.0) == [busy]  # without rotation: the best
    assert order_key(busy, 0.5) > order_key(rested, 0.5)


def test_waves_grow_by_the_pace() -> None:
    pace = Pace(3, 2.0, timedelta(minutes=15), 4, timedelta(days=2))

    assert [pace.size(n) for n in range(4)] == [3, 6, 12, 24]
