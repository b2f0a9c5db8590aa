"""Property: whoever the helpers are, a candidate list holds exactly those who are in reach
with an offer or a tie, not blocked either way, active, out of quiet hours, under their
weekly cap, not yet asked, and eligible under the request's rule."""

import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.categories import Category
from models.matches import Match, MatchOrigin, MatchStatus
from models.offers import Offer
from models.requests import Eligibility, HelpRequest
from models.residents import ResidentStatus
from models.ties import Tie, TieKind
from models.trust import Block
from models.verifications import Verification, VerificationKind
from services import candidates, geo
from services.matching import MatchingWeights
from services.trust import TrustSettings
from tests.factories import resident_row

_places = itertools.count()


@dataclass(frozen=True)
class Helper:
    offer: bool
    tie: bool
    blocked_by_requester: bool
    blocked_requester: bool
    suspended: bool
    quiet: bool
    no_capacity: bool
    verified: bool
    asked_already: bool


helpers = st.builds(Helper, *(st.booleans() for _ in range(9)))


def _expected(helper: Helper, eligibility: Eligibility) -> bool:
    return (
        (helper.offer or helper.tie)
        and not (helper.blocked_by_requester or helper.blocked_requester)
        and not (helper.suspended or helper.quiet or helper.no_capacity or helper.asked_already)
        and (eligibility != Eligibility.circle or helper.tie)
        and (eligibility != Eligibility.vetted or helper.verified)
    )


def _shopping_request(
    owner_id: uuid.UUID, cell: str, now: datetime, eligibility: Eligibility
) -> HelpRequest:
    return HelpRequest(
        owner_id=owner_id,
        category=Category.shopping,
        title="Shopping",
        cell=cell,
        radius_m=1500,
        eligibility=eligibility,
        expires_at=now + timedelta(days=7),
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(helpers, min_size=1, max_size=6),
    st.sampled_from([Eligibility.anyone, Eligibility.circle, Eligibility.vetted]),
)
async def test_candidates_are_exactly_the_helpers_who_pass_every_rule(
    session: AsyncSession, generated: list[Helper], eligibility: Eligibility
) -> None:
    # Each example in a town of its own, 30 km from the last, so examples never meet.
    n = next(_places)
    place = geo.cell_of(50.0 + 0.3 * (n % 20), -3.5 - 0.5 * (n // 20), 8)
    now = utcnow()
    local = now.astimezone(ZoneInfo("Europe/London"))
    quiet = (
        (local - timedelta(hours=1)).strftime("%H:%M"),
        (local + timedelta(hours=1)).strftime("%H:%M"),
    )
    requester = await resident_row(session, "Rosa", cell=place)
    request = _shopping_request(requester.id, place, now, eligibility)
    session.add(request)
    expected = set()
    for helper in generated:
        person = await resident_row(session, "Helper", cell=place)
        person.status = ResidentStatus.suspended if helper.suspended else ResidentStatus.active
        person.quiet_from, person.quiet_until = quiet if helper.quiet else (None, None)
        person.weekly_help_cap = 0 if helper.no_capacity else 3
        if helper.offer:
            session.add(
                Offer(owner_id=person.id, category=Category.shopping, title="Shopping",
                      cell=place, radius_m=1500, expires_at=now + timedelta(days=7))
            )  # fmt: skip
        if helper.tie:
            for a, b in ((requester.id, person.id), (person.id, requester.id)):
                session.add(
                    Tie(resident_id=a, other_id=b, kind=TieKind.connected, since=now, last_at=now)
                )
        if helper.blocked_by_requester:
            session.add(Block(blocker_id=requester.id, blocked_id=person.id))
        if helper.blocked_requester:
            session.add(Block(blocker_id=person.id, blocked_id=requester.id))
        if helper.verified:
            session.add(
                Verification(
                    resident_id=person.id, kind=VerificationKind.dbs_basic, issued_on=now.date()
                )
            )
        if helper.asked_already:
            await session.flush()
            session.add(
                Match(request_id=request.id, requester_id=requester.id, helper_id=person.id,
                      origin=MatchOrigin.requester, status=MatchStatus.declined)
            )  # fmt: skip
        if _expected(helper, eligibility):
            expected.add(person.id)
    await session.flush()

    ranked = await candidates.rank(session, request, TrustSettings(), MatchingWeights(), now)

    assert {r.scored.facts.helper_id for r in ranked} == expected


async def test_each_candidate_carries_their_record_of_help(session: AsyncSession) -> None:
    """Helped: different people helped to completion within a year (one helped twice counts
    once; help 13 months ago not at all). Asked: asks of the last week by requesters or
    connectors, not the times they volunteered."""
    place = geo.cell_of(49.2, -2.1, 8)
    now = utcnow()
    requester = await resident_row(session, "Rosa", cell=place)
    helper = await resident_row(session, "Kim", cell=place)
    request = _shopping_request(requester.id, place, now, Eligibility.anyone)
    session.add(request)
    session.add(Offer(owner_id=helper.id, category=Category.shopping, title="Shopping",
                      cell=place, radius_m=1500, expires_at=now + timedelta(days=7)))  # fmt: skip
    others = [await resident_row(session, f"Asker {n}", cell=place) for n in range(4)]
    await session.flush()
    history = [  # (asker, status, origin, created days ago, closed days ago)
        (others[0], MatchStatus.completed, MatchOrigin.requester, 40, 39),
        (others[0], MatchStatus.completed, MatchOrigin.requester, 20, 19),
        (others[1], MatchStatus.completed, MatchOrigin.helper, 30, 29),
        (others[2], MatchStatus.completed, MatchOrigin.requester, 400, 395),
        (others[3], MatchStatus.declined, MatchOrigin.connector, 2, 2),
        (others[3], MatchStatus.cancelled, MatchOrigin.helper, 1, 1),
    ]
    for asker, status, origin, created, closed in history:
        past = HelpRequest(owner_id=asker.id, category=Category.shopping, title="Past",
                           cell=place, radius_m=1500, expires_at=now)  # fmt: skip
        session.add(past)
        await session.flush()
        session.add(
            Match(request_id=past.id, requester_id=asker.id, helper_id=helper.id, origin=origin,
                  status=status, created_at=now - timedelta(days=created),
                  closed_at=now - timedelta(days=closed))
        )  # fmt: skip
    await session.flush()

    (ranked,) = await candidates.rank(session, request, TrustSettings(), MatchingWeights(), now)

    assert (ranked.scored.facts.helped, ranked.scored.facts.asked) == (2, 1)
