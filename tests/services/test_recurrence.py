"""Recurrence in local wall-clock time, across the clock changes, with exceptions."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.errors import InvalidInput
from services.recurrence import Change, Schedule, local, parse

LONDON = ZoneInfo("Europe/London")


def _weekly_supper(**changes: object) -> Schedule:
    first = datetime(2027, 3, 16, 18, 0, tzinfo=LONDON)  # a Tuesday, before clocks go forward
    values: dict[str, object] = {
        "starts_at": first,
        "ends_at": first + timedelta(hours=2),
        "timezone": "Europe/London",
        "rule_text": "FREQ=WEEKLY;BYDAY=TU",
    }
    values.update(changes)
    return Schedule(**values)  # type: ignore[arg-type]


def test_a_weekly_event_keeps_its_local_time_across_both_clock_changes() -> None:
    supper = _weekly_supper()
    spring = supper.slots(datetime(2027, 3, 15, tzinfo=UTC), datetime(2027, 4, 7, tzinfo=UTC))
    autumn = supper.slots(datetime(2027, 10, 20, tzinfo=UTC), datetime(2027, 11, 10, tzinfo=UTC))

    for slot in spring + autumn:
        assert (slot.starts_at.hour, slot.starts_at.minute) == (18, 0)
        assert slot.starts_at.weekday() == 1
    assert [s.starts_at.astimezone(UTC).hour for s in spring] == [18, 18, 17, 17]  # BST from 28 Mar
    assert [s.starts_at.astimezone(UTC).hour for s in autumn] == [17, 18, 18]  # GMT from 31 Oct
    assert [s.occurrence for s in spring] == [
        date(2027, 3, 16),
        date(2027, 3, 23),
        date(2027, 3, 30),
        date(2027, 4, 6),
    ]


def test_one_date_cancelled_and_one_moved() -> None:
    moved_start = datetime(2027, 3, 24, 19, 0, tzinfo=LONDON)
    supper = _weekly_supper(
        changes=(
            Change(date(2027, 3, 16), cancelled=True, starts_at=None, ends_at=None),
            Change(
                date(2027, 3, 23),
                cancelled=False,
                starts_at=moved_start,
                ends_at=moved_start + timedelta(hours=2),
            ),
        )
    )
    window = (datetime(2027, 3, 15, tzinfo=UTC), datetime(2027, 3, 31, tzinfo=UTC))

    slots = supper.slots(*window)
    with_cancelled = supper.slots(*window, cancelled=True)

    assert [(s.occurrence, s.starts_at.day, s.moved) for s in slots] == [
        (date(2027, 3, 23), 24, True),
        (date(2027, 3, 30), 30, False),
    ]
    assert [s.occurrence for s in with_cancelled if s.cancelled] == [date(2027, 3, 16)]


def test_a_bounded_rule_knows_its_last_end_and_until_may_be_utc() -> None:
    counted = _weekly_supper(rule_text="FREQ=WEEKLY;BYDAY=TU;COUNT=3")
    until = _weekly_supper(rule_text="FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330T170000Z")
    endless = _weekly_supper()

    assert counted.last_end() == datetime(2027, 3, 30, 20, 0, tzinfo=LONDON)
    assert until.last_end() == datetime(2027, 3, 30, 20, 0, tzinfo=LONDON)  # 18:00 BST = 17:00Z
    assert endless.last_end() is None


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=DAILY;BYHOUR=9,17",
        "FREQ=WEEKLY;COUNT=5000",
        "FREQ=WEEKLY;BYDAY=XX",
        "nonsense",
        "FREQ=WEEKLY;UNTIL=20200101T000000Z",
    ],
)
def test_unsupported_or_broken_rules_are_refused(rule: str) -> None:
    with pytest.raises(InvalidInput):
        parse(rule, datetime(2027, 3, 16, 18, 0, tzinfo=LONDON))


def test_a_local_time_inside_the_spring_gap_moves_forward() -> None:
    gap = local(datetime(2027, 3, 28, 1, 30), LONDON)
    assert (gap.hour, gap.minute, gap.utcoffset()) == (2, 30, timedelta(hours=1))


def test_a_stored_rule_from_before_the_five_year_limit_still_expands() -> None:
    """The limit on UNTIL guards what is written now; a series saved before it must still
    list its dates (and know its end) rather than answer every read with a 422."""
    first_tuesday = datetime(2027, 3, 16, 18, 0, tzinfo=LONDON)
    rule = "FREQ=WEEKLY;BYDAY=TU;UNTIL=20371229T180000Z"
    with pytest.raises(InvalidInput, match="five years"):
        parse(rule, first_tuesday)

    stored = _weekly_supper(rule_text=rule)
    slots = stored.slots(datetime(2036, 1, 1, tzinfo=UTC), datetime(2036, 1, 15, tzinfo=UTC))

    assert [s.occurrence for s in slots] == [date(2036, 1, 1), date(2036, 1, 8)]
    assert stored.last_end() == datetime(2037, 12, 29, 20, 0, tzinfo=LONDON)
