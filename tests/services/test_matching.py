"""Properties of the matching formula, over many generated candidates."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from models.posts import Availability, Weekday, WeeklyWindow
from services.matching import Facts, MatchingWeights, availability_fit, in_quiet_hours, score
from services.trust import Trust

WEIGHTS = MatchingWeights()
HELPER_A, HELPER_B = uuid.UUID(int=1), uuid.UUID(int=2)

facts = st.builds(
    Facts,
    helper_id=st.just(HELPER_A),
    bucket_km=st.integers(min_value=0, max_value=10),
    distance_label=st.just("somewhere"),
    trust=st.builds(Trust, score=st.floats(min_value=0, max_value=1)),
    availability=st.sampled_from([0.0, 0.5, 1.0]),
    helped=st.integers(min_value=0, max_value=20),
    asked=st.integers(min_value=0, max_value=20),
    has_offer=st.booleans(),
)


@given(facts, st.floats(min_value=0.05, max_value=1))
def test_a_trusted_helper_outranks_a_stranger_in_the_same_bucket(base: Facts, trust: float) -> None:
    stranger = replace(base, helper_id=HELPER_A, trust=Trust(score=0.0))
    trusted = replace(base, helper_id=HELPER_B, trust=Trust(score=trust))
    ranked = sorted([score(stranger, WEIGHTS), score(trusted, WEIGHTS)], key=lambda s: s.order)
    assert ranked[0].facts.helper_id == HELPER_B


@given(facts, st.integers(min_value=1, max_value=10))
def test_a_nearer_bucket_outranks_a_farther_one(base: Facts, farther_by: int) -> None:
    near = replace(base, helper_id=HELPER_B)
    far = replace(base, helper_id=HELPER_A, bucket_km=base.bucket_km + farther_by)
    ranked = sorted([score(far, WEIGHTS), score(near, WEIGHTS)], key=lambda s: s.order)
    assert ranked[0].facts.helper_id == HELPER_B


@given(facts, st.integers(min_value=1, max_value=5))
def test_being_asked_this_week_lowers_a_helper(base: Facts, asked: int) -> None:
    rested = replace(base, asked=0)
    busy = replace(base, asked=asked)
    assert score(busy, WEIGHTS).score <= score(rested, WEIGHTS).score
    if score(rested, WEIGHTS).score > 0:
        assert score(busy, WEIGHTS).score < score(rested, WEIGHTS).score
    assert any(r.kind == "fairness" and r.weight <= 0 for r in score(busy, WEIGHTS).reasons)


@given(facts)
def test_the_same_facts_give_the_same_score_within_bounds(base: Facts) -> None:
    first, second = score(base, WEIGHTS), score(base, WEIGHTS)
    assert first.score == second.score
    assert 0 <= first.score <= 1
    assert all(round(r.weight / 0.05, 6).is_integer() for r in first.reasons)


def test_availability_before_it_is_needed() -> None:
    monday_9 = datetime(2027, 3, 1, 9, tzinfo=UTC)
    saturdays = Availability(weekly=[WeeklyWindow(day=Weekday.sat, start="10:00", end="13:00")])
    by_friday = datetime(2027, 3, 5, 18, tzinfo=UTC)
    by_sunday = datetime(2027, 3, 7, 18, tzinfo=UTC)

    assert availability_fit(saturdays, by_friday, monday_9, "Europe/London") == 0.0
    assert availability_fit(saturdays, by_sunday, monday_9, "Europe/London") == 1.0
    assert availability_fit(Availability(), by_friday, monday_9, "Europe/London") == 0.5
    assert availability_fit(None, None, monday_9, "Europe/London") == 0.5


def test_quiet_hours_that_run_past_midnight() -> None:
    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(2027, 1, 15, hour, minute, tzinfo=UTC)  # GMT: London time is UTC

    assert in_quiet_hours("22:00", "07:00", "Europe/London", at(23))
    assert in_quiet_hours("22:00", "07:00", "Europe/London", at(6, 59))
    assert not in_quiet_hours("22:00", "07:00", "Europe/London", at(7))
    assert not in_quiet_hours("13:00", "14:00", "Europe/London", at(12, 59))
    assert not in_quiet_hours(None, None, "Europe/London", at(3))
