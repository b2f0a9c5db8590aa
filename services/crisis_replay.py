"""A crisis replayed on a seeded city (`kith crisis-replay`): a day of requests arrives, the
real alert waves go out minute by minute of simulated time, and helpers answer by a seeded
model. Run once with crisis mode off and once on, on the same city and the same requests,
so the two reports differ only by the mode.

Everything happens in the caller's session, which is meant to be rolled back afterwards:
the city is left as it was, so the second run starts where the first did."""

import heapq
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.alerts import Alert
from models.categories import Category
from models.crises import Crisis
from models.matches import Match, MatchOrigin, MatchStatus
from models.neighbourhoods import Neighbourhood
from models.requests import HelpRequest, Urgency
from models.residents import Resident, ResidentStatus
from services import alerts, crisis_state

TICK = timedelta(minutes=1)
# What people ask for in a flood or a power cut, roughly: weights of a seeded draw.
ASKED_FOR = {
    Category.shopping: 30,
    Category.prescriptions: 20,
    Category.cooked_meals: 15,
    Category.lifts: 10,
    Category.befriending_phone: 10,
    Category.diy: 5,
    Category.pet_care: 5,
    Category.other: 5,
}
URGENT_SHARE = 0.4


@dataclass(frozen=True)
class AnswerModel:
    """How a helper answers an alert: yes, no, or silence, after a while. People answer
    someone they know more often and sooner."""

    yes_if_known: float = 0.45
    yes_if_stranger: float = 0.18
    no: float = 0.30
    mean_minutes_if_known: float = 15.0
    mean_minutes_if_stranger: float = 25.0


@dataclass(frozen=True)
class Scenario:
    requests: int
    seed: int
    start: datetime
    hours: float = 24.0
    answers: AnswerModel = AnswerModel()


@dataclass
class Outcome:
    requests: int = 0
    met: int = 0
    met_along_ties: int = 0
    minutes_to_first_yes: list[float] = field(default_factory=list)
    alerts_per_helper: list[int] = field(default_factory=list)

    def report(self) -> dict[str, object]:
        yes = sorted(self.minutes_to_first_yes)
        load = sorted(self.alerts_per_helper)
        return {
            "requests": self.requests,
            "time_to_first_yes_min": {"p50": percentile(yes, 50), "p95": percentile(yes, 95)},
            "share_met_along_ties": round(self.met_along_ties / self.met, 3) if self.met else None,
            "share_met": round(self.met / self.requests, 3) if self.requests else None,
            "alerts_per_helper": {
                "helpers_alerted": len(load),
                "p50": percentile(load, 50),
                "p95": percentile(load, 95),
                "max": load[-1] if load else None,
            },
        }


def percentile(ordered: list[float] | list[int], q: float) -> float | None:
    """Nearest rank, of values already sorted."""
    if not ordered:
        return None
    return round(float(ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]), 1)


@dataclass(frozen=True)
class Arrival:
    at: datetime
    owner_id: uuid.UUID
    cell: str
    category: Category
    urgent: bool


async def arrivals(session: AsyncSession, scenario: Scenario) -> list[Arrival]:
    """The day's requests: askers drawn from the active residents, front-loaded (most
    needs surface in the first hours), the same for the same seed and city."""
    people = (
        await session.exec(
            select(Resident.id, Resident.home_cell)
            .where(Resident.status == ResidentStatus.active, col(Resident.home_cell).is_not(None))
            .order_by(col(Resident.email))
        )
    ).all()
    rng = random.Random(scenario.seed)
    askers = rng.sample(list(people), min(scenario.requests, len(people)))
    categories, weights = zip(*ASKED_FOR.items(), strict=True)
    day = scenario.hours * 60
    made = []
    for owner_id, cell in askers:
        minute = min(day - 1, rng.expovariate(3 / day))  # a third of the day on average... less
        made.append(
            Arrival(
                at=scenario.start + timedelta(minutes=int(minute)),
                owner_id=owner_id,
                cell=str(cell),
                category=rng.choices(categories, weights)[0],
                urgent=rng.random() < URGENT_SHARE,
            )
        )
    return sorted(made, key=lambda a: (a.at, str(a.owner_id)))


async def replay(
    session: AsyncSession, alerting: alerts.Alerting, scenario: Scenario, crisis: bool
) -> Outcome:
    """One run. With `crisis`, every neighbourhood is in crisis mode for the whole day."""
    due = await arrivals(session, scenario)
    end = scenario.start + timedelta(hours=scenario.hours)
    if crisis:
        await _crisis_everywhere(session, scenario.start, end)
    outcome = Outcome(requests=len(due))
    opened: dict[uuid.UUID, HelpRequest] = {}
    answers: list[tuple[datetime, int, uuid.UUID, bool]] = []  # (when, tiebreak, alert, yes)
    heard: set[uuid.UUID] = set()
    now, serial = scenario.start, 0
    while now < end:
        while due and due[0].at <= now:
            request = _request(due.pop(0), now)
            session.add(request)
            await session.flush()
            opened[request.id] = request
            await alerts.begin(session, request, now, alerting)
        await alerts.send_due(session, now, alerting)
        for alert in await _sent_at(session, now, heard):
            answer = _answer(scenario, alert, opened[alert.request_id].owner_id)
            if answer is not None:
                serial += 1
                heapq.heappush(answers, (now + answer[0], serial, alert.id, answer[1]))
        while answers and answers[0][0] <= now:
            _, _, alert_id, yes = heapq.heappop(answers)
            await _answered(session, alert_id, yes, now, opened, outcome)
        now += TICK
    outcome.alerts_per_helper = await _load(session)
    return outcome


def _request(arrival: Arrival, now: datetime) -> HelpRequest:
    return HelpRequest(
        owner_id=arrival.owner_id,
        category=arrival.category,
        title=f"{arrival.category.value.replace('_', ' ').capitalize()}, please",
        cell=arrival.cell,
        radius_m=2000,
        urgency=Urgency.urgent if arrival.urgent else Urgency.normal,
        expires_at=now + timedelta(days=3),
        created_at=now,
        updated_at=now,
    )


async def _crisis_everywhere(session: AsyncSession, start: datetime, end: datetime) -> None:
    live = await crisis_state.live_in(
        session, set((await session.exec(select(Neighbourhood.id))).all()), start
    )
    for neighbourhood_id in (await session.exec(select(Neighbourhood.id))).all():
        if neighbourhood_id in live:
            continue  # in crisis mode already (a seeded database given)
        session.add(
            Crisis(
                neighbourhood_id=neighbourhood_id,
                reason="Replay",
                started_at=start,
                ends_at=end,
            )
        )
    await session.flush()


async def _sent_at(session: AsyncSession, now: datetime, heard: set[uuid.UUID]) -> list[Alert]:
    rows = await session.exec(select(Alert).where(col(Alert.sent_at) >= now))
    fresh = [alert for alert in rows.all() if alert.id not in heard]
    heard.update(alert.id for alert in fresh)
    # In a fixed order (not the database's), so that answers due at the same minute are
    # taken in the same order every run.
    return sorted(fresh, key=lambda alert: (alert.wave, str(alert.helper_id)))


def _answer(scenario: Scenario, alert: Alert, asker: uuid.UUID) -> tuple[timedelta, bool] | None:
    """Seeded by who asks (one request each) and who is alerted, not by row ids, so a
    helper answers the same way whichever mode alerted them, and whenever."""
    model = scenario.answers
    rng = random.Random(f"{scenario.seed}:{asker}:{alert.helper_id}")
    draw = rng.random()
    yes = model.yes_if_known if alert.along_tie else model.yes_if_stranger
    mean = model.mean_minutes_if_known if alert.along_tie else model.mean_minutes_if_stranger
    delay = timedelta(minutes=max(1, round(rng.expovariate(1 / mean))))
    if draw < yes:
        return delay, True
    if draw < yes + model.no:
        return delay, False
    return None  # silence


async def _answered(
    session: AsyncSession,
    alert_id: uuid.UUID,
    yes: bool,
    now: datetime,
    opened: dict[uuid.UUID, HelpRequest],
    outcome: Outcome,
) -> None:
    alert = await session.get(Alert, alert_id)
    if alert is None or alert.answer is not None:
        return
    if not yes:
        await alerts.answer_no(session, alert, now)
        return
    request = opened[alert.request_id]
    taken = await alerts.taken(session, request.id)
    if taken >= request.helpers_needed:
        return  # someone else said yes first
    session.add(
        Match(
            request_id=request.id,
            requester_id=request.owner_id,
            helper_id=alert.helper_id,
            origin=MatchOrigin.helper,
            status=MatchStatus.accepted,
            accepted_at=now,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    if taken == 0:
        outcome.met += 1
        outcome.met_along_ties += alert.along_tie
        outcome.minutes_to_first_yes.append((now - request.created_at).total_seconds() / 60)
    await alerts.said_yes(session, request, alert.helper_id, now)


async def _load(session: AsyncSession) -> list[int]:
    rows = await session.exec(
        select(func.count()).select_from(Alert).group_by(col(Alert.helper_id))
    )
    return list(rows.all())
