"""How a candidate helper is scored for a request, and the reasons given, in plain words.

The formula (weights in settings, `KITH_MATCHING__*`):

    base  = (proximity_w · P + trust_w · T + availability_w · A + record_w · R) / (sum of those w)
    score = base · (1 − fairness_w · F)

so it lies in [0, 1], where
- P = 1 / (1 + bucket_km): the distance bucket the requester is shown (under 1 km gives 1);
- T = the trust score from `services.trust` (ties, the best path through a mutual tie,
  vouches, verifications), taken as of the start of the UTC day;
- A = 1 when the helper's offer is available before `needed_by` (or within a week), 0 when
  it is not, 0.5 when unknown (no offer, or an offer that says "ask me");
- R = min(helped, 5) / 5 for the neighbours they helped (completed matches) in the last year;
- F = min(asked, 5) / 5 for how often they were asked in the last 7 days, so the same kind
  people are not asked for everything. It scales the score rather than subtracting from it,
  so that it never flattens the order the other terms give (nearer first, trusted first).
The same data and day give the same scores; ties in score fall back to the bucket, then id.
Shown scores and weights are rounded to steps of 0.05: exact values, beside the viewer's
own tie strengths, would let them work out other people's ties.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from models.matches import Reason, ReasonKind
from models.posts import Availability, Weekday
from services import recurrence
from services.trust import Trust

SHOWN_STEP = 0.05
WEEKDAYS = list(Weekday)


@dataclass(frozen=True)
class MatchingWeights:
    proximity: float = 0.35
    trust: float = 0.40
    availability: float = 0.15
    record: float = 0.10
    fairness: float = 0.15


@dataclass(frozen=True)
class Facts:
    """What is known about one candidate for one request."""

    helper_id: uuid.UUID
    bucket_km: int
    distance_label: str
    trust: Trust
    availability: float  # 0, 0.5 or 1: see `availability_fit`
    helped: int  # neighbours helped in the last year
    asked: int  # times asked in the last 7 days
    has_offer: bool


@dataclass(frozen=True)
class Scored:
    facts: Facts
    score: float
    reasons: list[Reason]

    @property
    def order(self) -> tuple[float, int, uuid.UUID]:
        return (-self.score, self.facts.bucket_km, self.facts.helper_id)


def shown(value: float) -> float:
    return round(round(value / SHOWN_STEP) * SHOWN_STEP, 2)


def score(facts: Facts, weights: MatchingWeights) -> Scored:
    scale = (weights.proximity + weights.trust + weights.availability + weights.record) or 1.0
    fairness = weights.fairness * min(facts.asked, 5) / 5
    base = {
        ReasonKind.proximity: weights.proximity / (1 + facts.bucket_km),
        ReasonKind.tie: weights.trust * facts.trust.score,
        ReasonKind.availability: weights.availability * facts.availability,
        ReasonKind.helped_before: weights.record * min(facts.helped, 5) / 5,
    }
    parts = {kind: value / scale * (1 - fairness) for kind, value in base.items()}
    total = sum(parts.values())
    parts[ReasonKind.fairness] = -sum(base.values()) / scale * fairness
    trust_part = parts[ReasonKind.tie]
    reasons = [Reason(kind=ReasonKind.proximity, weight=shown(parts[ReasonKind.proximity]),
                      text=f"{facts.distance_label} away")]  # fmt: skip
    reasons += _trust_reasons(facts.trust, trust_part)
    if facts.helped:
        plural = "s" if facts.helped > 1 else ""
        reasons.append(
            Reason(
                kind=ReasonKind.helped_before,
                weight=shown(parts[ReasonKind.helped_before]),
                text=f"has helped {facts.helped} neighbour{plural} this year",
            )
        )
    if facts.availability == 1:
        reasons.append(
            Reason(
                kind=ReasonKind.availability,
                weight=shown(parts[ReasonKind.availability]),
                text="free before it is needed",
            )
        )
    if facts.has_offer:
        reasons.append(Reason(kind=ReasonKind.offer, weight=0.0, text="offers this kind of help"))
    if facts.asked:
        reasons.append(
            Reason(
                kind=ReasonKind.fairness,
                weight=shown(parts[ReasonKind.fairness]),
                text="asked often this week, so others come first",
            )
        )
    return Scored(facts=facts, score=round(total, 6), reasons=reasons)


def _trust_reasons(trust: Trust, weight: float) -> list[Reason]:
    """The trust service's reasons, typed; the trust part of the score shared among them."""
    if not trust.explained:
        return []
    each = shown(weight / len(trust.explained))
    return [Reason(kind=ReasonKind(kind), weight=each, text=text) for kind, text in trust.explained]


def availability_fit(
    offered: Availability | None, needed_by: datetime | None, now: datetime, timezone: str
) -> float:
    """1 if the offer names a time between now and when help is needed (a week when the
    request does not say), 0 if it names times but none in that span, 0.5 if unknown."""
    if offered is None or not (offered.weekly or offered.dates):
        return 0.5
    tz = recurrence.zone(timezone)
    start = now.astimezone(tz)
    end = (needed_by or now + timedelta(days=7)).astimezone(tz)
    if end <= start:
        return 0.0
    days = _days(start.date(), end.date())
    if any(day in days for day in offered.dates):
        return 1.0
    for window in offered.weekly:
        for day in days:
            if WEEKDAYS[day.weekday()] != window.day:
                continue
            opens = datetime.combine(day, time.fromisoformat(window.start), tzinfo=tz)
            closes = datetime.combine(day, time.fromisoformat(window.end), tzinfo=tz)
            if opens < end and closes > start:
                return 1.0
    return 0.0


def _days(first: date, last: date) -> list[date]:
    span = min((last - first).days, 31)
    return [first + timedelta(days=n) for n in range(span + 1)]


def in_quiet_hours(
    quiet_from: str | None, quiet_until: str | None, timezone: str, now: datetime
) -> bool:
    if quiet_from is None or quiet_until is None:
        return False
    local = now.astimezone(recurrence.zone(timezone)).strftime("%H:%M")
    if quiet_from < quiet_until:
        return quiet_from <= local < quiet_until
    return local >= quiet_from or local < quiet_until  # runs past midnight
