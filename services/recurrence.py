"""Repeating events: RFC 5545 rules (python-dateutil) expanded in local wall-clock time.

A rule repeats the first occurrence's *local* time, so "every Tuesday 18:00 London" stays at
18:00 across the clock changes while its UTC instant shifts by an hour. Each occurrence is
named by its original local date (rules repeat at most daily), which is what a cancellation,
a move or an RSVP refers to.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from services.errors import InvalidInput

FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
# More than one occurrence a day would leave a date naming two of them. BYEASTER is
# dateutil's own extension, not RFC 5545, and overflows on large offsets.
NOT_ALLOWED = frozenset({"DTSTART", "BYHOUR", "BYMINUTE", "BYSECOND", "TZID", "BYEASTER"})
MAX_COUNT = 1000
# dateutil loops for ever on INTERVAL=0 and overflows on huge ones.
MAX_INTERVAL = 1000
# Finding the last occurrence walks every occurrence up to UNTIL (a daily rule to the year
# 9999 takes most of a minute), so UNTIL stays within this of the first.
MAX_SPAN = timedelta(days=5 * 366)
_NUMBER = re.compile(r"[0-9]{1,9}")
MAX_DURATION = timedelta(hours=24)
MAX_MOVE = timedelta(days=7)
MARGIN = timedelta(days=1)
# Far enough from the calendar's edges (years 1 and 9999) for every step of arithmetic on an
# event's times: time zones, margins, the week an occurrence may move, a rule's next date.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def within_calendar(day: date) -> bool:
    """Whether a date asked about lies where events can be (an occurrence in the year 1 or
    9999 does not exist, and looking around it would overflow)."""
    return EARLIEST.date() < day < LATEST.date()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # OSError: a name that is a folder of the zone database ("Europe") or not a file name.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise InvalidInput(f"Unknown time zone {name!r}.", field=("timezone",)) from exc


def local(value: datetime, tz: ZoneInfo) -> datetime:
    """An aware instant in `tz`. A time without an offset is local time in `tz`; one that
    does not exist (inside the spring-forward gap) moves forward, as clocks do."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC).astimezone(tz)


def times(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    try:
        start, end = local(starts_at, tz), local(ends_at, tz)
    except OverflowError:  # a time zone moved it past the first or last day of the calendar
        start = end = LATEST
    if not EARLIEST <= start < LATEST:
        raise InvalidInput(
            "starts_at must lie between the years 1900 and 9000.", field=("starts_at",)
        )
    if not start < end <= start + MAX_DURATION:
        raise InvalidInput(
            "ends_at must be after starts_at, and at most 24 hours later.", field=("ends_at",)
        )
    return start, end


def _parts(text: str) -> dict[str, str]:
    try:
        return dict(part.split("=", 1) for part in text.upper().split(";") if part)
    except ValueError as exc:
        raise InvalidInput("rrule must look like FREQ=WEEKLY;BYDAY=TU.", field=("rrule",)) from exc


def _local_until(parts: dict[str, str], first: datetime, *, stored: bool) -> str:
    """The rule with UNTIL in local time: RFC 5545 writes it in UTC (…Z) beside a zoned
    start, but the rule is expanded in local wall-clock time. A local date (and time) is
    taken as it is."""
    until = parts.get("UNTIL")
    if until is not None:
        try:
            if until.endswith("Z"):
                instant = datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                last = instant.astimezone(first.tzinfo).replace(tzinfo=None)
            else:
                last = datetime.strptime(until, "%Y%m%dT%H%M%S" if "T" in until else "%Y%m%d")
        except (ValueError, OverflowError) as exc:
            raise InvalidInput(
                "rrule UNTIL must be like 20271231T235959Z.", field=("rrule",)
            ) from exc
        if not stored and last > first.replace(tzinfo=None) + MAX_SPAN:
            raise InvalidInput(
                "rrule UNTIL may be at most five years after the start; leave it out for a "
                "rule with no end.",
                field=("rrule",),
            )
        # Not strftime, which drops the leading zeros of a year before 1000.
        parts = parts | {"UNTIL": last.isoformat().replace("-", "").replace(":", "")}
    return ";".join(f"{key}={value}" for key, value in parts.items())


def parse(text: str, first: datetime, *, stored: bool = False) -> rrule:
    """A rule, checked: a supported frequency, bounded, and nothing that repeats within a
    day. `first` is the first occurrence, aware, in the event's zone. A `stored` rule was
    accepted when it was written, perhaps before the limit on UNTIL's span, so that limit is
    not applied again: reading a series must never fail on rules that writing has since
    tightened."""
    if not text.isascii():
        raise InvalidInput(
            "rrule must be plain ASCII, like FREQ=WEEKLY;BYDAY=TU.", field=("rrule",)
        )
    parts = _parts(text)
    if parts.get("FREQ") not in FREQUENCIES:
        raise InvalidInput("rrule FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY.", field=("rrule",))
    if NOT_ALLOWED & parts.keys():
        banned = ", ".join(sorted(NOT_ALLOWED & parts.keys()))
        raise InvalidInput(f"rrule may not use {banned}.", field=("rrule",))
    for name, most in (("COUNT", MAX_COUNT), ("INTERVAL", MAX_INTERVAL)):
        value = parts.get(name)
        if value is not None and not (_NUMBER.fullmatch(value) and 1 <= int(value) <= most):
            raise InvalidInput(f"rrule {name} must be 1 to {most}.", field=("rrule",))
    assert isinstance(first.tzinfo, ZoneInfo)
    try:
        rule = rrulestr(
            _local_until(parts, first, stored=stored), dtstart=first.replace(tzinfo=None)
        )
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput(f"rrule is not a valid RFC 5545 rule: {exc}", field=("rrule",)) from exc
    if not isinstance(rule, rrule):
        raise InvalidInput("rrule must be a single rule.", field=("rrule",))
    if rule.after(first.replace(tzinfo=None), inc=True) is None:
        raise InvalidInput("rrule has no occurrence on or after the start.", field=("rrule",))
    return rule


@dataclass(frozen=True)
class Slot:
    occurrence: date
    starts_at: datetime
    ends_at: datetime
    moved: bool = False
    cancelled: bool = False


@dataclass(frozen=True)
class Change:
    occurrence: date
    cancelled: bool
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class Schedule:
    """An event's times: the first occurrence, its rule, its zone and its exceptions."""

    starts_at: datetime
    ends_at: datetime
    timezone: str
    rule_text: str | None
    changes: tuple[Change, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)

    def _first(self) -> datetime:
        return self.starts_at.astimezone(self.tz)

    def _natural(self, start: datetime, end: datetime) -> Iterable[datetime]:
        """Local naive starts of the rule's occurrences between two instants (with margin)."""
        first = self._first()
        if self.rule_text is None:
            return [first.replace(tzinfo=None)]
        rule = parse(self.rule_text, first, stored=True)
        duration = self.ends_at - self.starts_at
        low = (start - duration - MARGIN).astimezone(self.tz).replace(tzinfo=None)
        high = (end + MARGIN).astimezone(self.tz).replace(tzinfo=None)
        found: list[datetime] = rule.between(low, high, inc=True)
        start_naive = first.replace(tzinfo=None)
        if low <= start_naive <= high and start_naive not in found:
            # RFC 5545: DTSTART is always an occurrence, even where the rule would skip it,
            # as every calendar that reads our .ics will show it.
            found.insert(0, start_naive)
        return found

    def is_occurrence(self, day: date) -> bool:
        """Whether the rule has an occurrence on this local date."""
        if not within_calendar(day):
            return False
        start = datetime.combine(day, datetime.min.time(), tzinfo=self.tz)
        return any(n.date() == day for n in self._natural(start, start + timedelta(days=1)))

    def slots(self, start: datetime, end: datetime, *, cancelled: bool = False) -> list[Slot]:
        """Occurrences overlapping [start, end), moves applied; cancelled ones only when
        asked for (calendars list them as cancelled)."""
        tz, duration = self.tz, self.ends_at - self.starts_at
        changes = {change.occurrence: change for change in self.changes}
        found: dict[date, Slot] = {}
        for naive in self._natural(start - MAX_MOVE, end + MAX_MOVE):
            begins = local(naive, tz)
            found[naive.date()] = Slot(naive.date(), begins, begins + duration)
        for day, change in changes.items():
            if day not in found:
                continue
            if change.cancelled:
                found[day] = Slot(day, found[day].starts_at, found[day].ends_at, cancelled=True)
            elif change.starts_at is not None and change.ends_at is not None:
                found[day] = Slot(
                    day, change.starts_at.astimezone(tz), change.ends_at.astimezone(tz), moved=True
                )
        return sorted(
            (
                slot
                for slot in found.values()
                if slot.starts_at < end
                and slot.ends_at > start
                and (cancelled or not slot.cancelled)
            ),
            key=lambda slot: (slot.starts_at, slot.occurrence),
        )

    def last_end(self) -> datetime | None:
        """When the last occurrence ends; None if the rule never ends."""
        if self.rule_text is None:
            latest = self.ends_at
        else:
            if not {"COUNT", "UNTIL"} & _parts(self.rule_text).keys():
                return None
            last = parse(self.rule_text, self._first(), stored=True)[-1]
            latest = local(last, self.tz) + (self.ends_at - self.starts_at)
        moved = [c.ends_at for c in self.changes if c.ends_at is not None]
        return max([latest, *moved])
