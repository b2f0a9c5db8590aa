"""Who is in the next wave of alerts, and how large waves are: plain functions of what the
alerts service has read, so the rules can be tested for all inputs."""

import uuid
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Pace:
    """How waves go out: `first_wave` helpers, then `growth` times as many each wave, one
    wave every `interval`, at most `max_waves` waves that reach someone; rounds that find
    nobody free (all in quiet hours, say) keep being tried until `keep_trying` after the
    request opened."""

    first_wave: int
    growth: float
    interval: timedelta
    max_waves: int
    keep_trying: timedelta

    def size(self, waves_sent: int) -> int:
        return max(1, round(self.first_wave * self.growth**waves_sent))


@dataclass(frozen=True)
class AlertPolicy:
    normal: Pace = Pace(3, 2.0, timedelta(minutes=15), 4, timedelta(days=2))
    # In a crisis: a bigger first wave, sooner, and more waves (further down the ranking,
    # which is further away); never past the requester's own radius, which is their choice.
    crisis: Pace = Pace(4, 1.5, timedelta(minutes=5), 6, timedelta(days=1))
    # Rotation: each alert a helper had in the last week discounts their place by this share
    # of their score, so the same nearest people are not asked about everything.
    rotation: float = 0.5


@dataclass(frozen=True)
class Prospect:
    """A candidate who might be alerted, with what the rules need."""

    helper_id: uuid.UUID
    score: float
    along_tie: bool  # the requester knows them
    on_duty: bool
    daily_cap: int
    alerts_today: int  # in the last 24 hours
    alerts_this_week: int


def order_key(prospect: Prospect, rotation: float) -> tuple[bool, float, str]:
    """The requester's own ties first; then by score, discounted by recent alerts."""
    rotated = prospect.score / (1 + rotation * prospect.alerts_this_week)
    return (not prospect.along_tie, -rotated, str(prospect.helper_id))


def next_wave(prospects: list[Prospect], size: int, rotation: float) -> list[Prospect]:
    """Up to `size` of the prospects free to be alerted (on duty, under their daily cap),
    in order."""
    free = [p for p in prospects if p.on_duty and p.alerts_today < p.daily_cap]
    return sorted(free, key=lambda p: order_key(p, rotation))[:size]
