"""Demo content for connectors (`kith serve --demo`): a match waiting for review, an open
report, a check about to expire, residents open to outreach and an assisted neighbour, so
the connector's queue and health page have something real on them. Only ever called from
the demo seed."""

import random
import uuid
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models.assisted import AssistedResident, ConsentHow, ContactPreference
from models.base import new_id, utcnow
from models.categories import Category
from models.matches import Match, MatchChange, MatchOrigin, MatchStatus
from models.reports import Report, ReportReason, ReportSubject
from models.requests import Eligibility, HelpRequest
from models.residents import Resident
from models.verifications import Verification, VerificationKind
from services.assisted import ASSISTED_DOMAIN

OPEN_TO_OUTREACH = 15


async def seed_moderation(
    session: AsyncSession,
    rng: random.Random,
    residents: list[Resident],
    connector: Resident,
    neighbourhood_id: uuid.UUID,
) -> None:
    now = utcnow()
    asker, visitor, reporter, reported, checked = rng.sample(residents[2:], 5)
    visit = HelpRequest(
        owner_id=asker.id,
        category=Category.befriending_visits,
        title="A visit and a chat once a week",
        cell=asker.home_cell or "",
        radius_m=2000,
        eligibility=Eligibility.anyone,
        expires_at=now + timedelta(days=30),
        created_at=now - timedelta(hours=30),
    )
    session.add(visit)
    await session.flush()
    waiting = Match(
        request_id=visit.id,
        requester_id=asker.id,
        helper_id=visitor.id,
        origin=MatchOrigin.requester,
        status=MatchStatus.pending_review,
        created_at=now - timedelta(hours=20),
    )
    session.add(waiting)
    await session.flush()
    session.add(MatchChange(match_id=waiting.id, status=MatchStatus.pending_review,
                            by=asker.id, at=waiting.created_at))  # fmt: skip
    session.add(
        Report(
            reporter_id=reporter.id,
            subject_type=ReportSubject.resident,
            subject_id=reported.id,
            concerns_id=reported.id,
            neighbourhood_id=neighbourhood_id,
            reason=ReportReason.harassment,
            details="Keeps messaging me late at night after I said no.",
            created_at=now - timedelta(hours=6),
        )
    )
    session.add(
        Verification(
            resident_id=checked.id,
            kind=VerificationKind.dbs_enhanced,
            issued_on=(now - timedelta(days=3 * 365 - 12)).date(),
            expires_on=(now + timedelta(days=12)).date(),
            verified_by=connector.id,
        )
    )
    for person in rng.sample(residents[2:], OPEN_TO_OUTREACH):
        person.open_to_outreach = True
        session.add(person)
    ada = Resident(
        email=f"{new_id()}@{ASSISTED_DOMAIN}",
        display_name="Mrs Ada Price",
        password_hash="",
        home_cell=residents[0].home_cell,
    )
    session.add(ada)
    await session.flush()
    session.add(
        AssistedResident(
            resident_id=ada.id,
            registered_by=connector.id,
            consent_given_by="herself, on the phone",
            consent_how=ConsentHow.phone,
            consent_at=now - timedelta(days=10),
            contact_preference=ContactPreference.phone,
            contact="Landline: ask a connector",
        )
    )
    await session.flush()
