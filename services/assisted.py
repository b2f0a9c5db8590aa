"""Assisted residents: neighbours without the app, registered by a connector with their
consent. The connector asks for help and answers matches for them; every such act is
audited and the match timeline names the connector."""

import uuid
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.assisted import (
    AssistedResident,
    AssistedResidentCreate,
    AssistedResidentPublic,
    Consent,
    MatchStep,
    StepOnBehalf,
)
from models.audit import AuditAction
from models.base import Page, new_id, utcnow
from models.matches import Match, MatchAccept, MatchConfirm
from models.neighbourhoods import NeighbourhoodConnector
from models.requests import HelpRequestCreate, HelpRequestPublic
from models.residents import FINE_RESOLUTION, Resident
from models.trust import ResidentRef
from models.welfare import CheckInBy, WelfareSignupPublic, WelfareSignupPut
from services import alerts, audit, authority, matches, neighbourhoods, requests, welfare
from services.errors import NotFound
from services.geocoding import Geocoder
from services.posts import FeedKey, paginate

ASSISTED_DOMAIN = "assisted.kith.invalid"  # never delivers: they have no sign-in


async def register(
    session: AsyncSession, connector: Resident, data: AssistedResidentCreate, geocoder: Geocoder
) -> AssistedResidentPublic:
    """Geocoded first: a failed or ambiguous lookup creates nothing. The home must lie in
    one of the connector's neighbourhoods."""
    if not await neighbourhoods.connects_anywhere(session, connector.id):
        # Before the lookup: nobody but a connector sends a neighbour's address out.
        raise NotFound("Not found.")
    cell = await geocoder.cell_of(data.address, FINE_RESOLUTION)
    where = await authority.over_cell(session, connector, cell)
    resident = Resident(
        email=f"{new_id()}@{ASSISTED_DOMAIN}",
        display_name=data.display_name,
        password_hash="",  # no password: only their connector acts for them
        home_cell=cell,
    )
    session.add(resident)
    await session.flush()
    record = AssistedResident(
        resident_id=resident.id,
        registered_by=connector.id,
        consent_given_by=data.consent.given_by,
        consent_how=data.consent.how,
        consent_at=data.consent.at or utcnow(),
        contact_preference=data.contact_preference,
        contact=data.contact,
    )
    session.add(record)
    await audit.record(
        session, connector, AuditAction.assisted_resident_registered, "resident", resident.id,
        neighbourhood_id=where,
        after={"consent_given_by": record.consent_given_by, "consent_how": record.consent_how},
    )  # fmt: skip
    await session.flush()
    return await _public(session, resident, record)


async def _public(
    session: AsyncSession, resident: Resident, record: AssistedResident
) -> AssistedResidentPublic:
    registrar = await session.get(Resident, record.registered_by) if record.registered_by else None
    return AssistedResidentPublic(
        id=resident.id,
        display_name=resident.display_name,
        neighbourhood_id=await neighbourhoods.neighbourhood_at(session, resident.home_cell),
        consent=Consent(
            given_by=record.consent_given_by, how=record.consent_how, at=record.consent_at
        ),
        contact_preference=record.contact_preference,
        contact=record.contact,
        registered_by=ResidentRef(id=registrar.id, display_name=registrar.display_name)
        if registrar
        else None,
        created_at=record.created_at,
    )


async def _assisted(
    session: AsyncSession, connector: Resident, resident_id: uuid.UUID
) -> tuple[Resident, uuid.UUID | None]:
    record = await session.get(AssistedResident, resident_id)
    if record is None:
        raise NotFound("No such resident.")
    return await authority.over_resident(session, connector, resident_id)


async def listing(
    session: AsyncSession, connector: Resident, cursor: str | None, limit: int
) -> Page[AssistedResidentPublic]:
    """The assisted residents living in the connector's neighbourhoods."""
    rows = await session.exec(
        select(Resident, AssistedResident).join(
            AssistedResident, col(AssistedResident.resident_id) == Resident.id
        )
    )
    theirs = set(
        (
            await session.exec(
                select(NeighbourhoodConnector.neighbourhood_id).where(
                    NeighbourhoodConnector.resident_id == connector.id
                )
            )
        ).all()
    )
    mine = []
    for resident, record in rows.all():
        if await neighbourhoods.neighbourhood_at(session, resident.home_cell) in theirs:
            mine.append((resident, record))
    keyed = [(FeedKey(0, 0.0, f"{r.display_name.casefold()}/{r.id}"), (r, rec)) for r, rec in mine]
    page, next_cursor = paginate(keyed, cursor, limit)
    return Page[AssistedResidentPublic](
        items=[await _public(session, r, rec) for r, rec in page], next_cursor=next_cursor
    )


async def ask_for_help(
    session: AsyncSession,
    connector: Resident,
    resident_id: uuid.UUID,
    data: HelpRequestCreate,
    alerting: alerts.Alerting,
) -> HelpRequestPublic:
    resident, where = await _assisted(session, connector, resident_id)
    made = await requests.create(session, resident, data, alerting)
    await _acted(session, connector, resident, where, {"request_id": str(made.id)})
    return made


async def take_step(
    session: AsyncSession,
    connector: Resident,
    resident_id: uuid.UUID,
    match_id: uuid.UUID,
    step: MatchStep,
    data: StepOnBehalf,
) -> tuple[Match, Resident]:
    resident, where = await _assisted(session, connector, resident_id)
    if step == MatchStep.accept:
        match = await matches.accept(
            session, resident, match_id, MatchAccept(contact=data.contact), by=connector
        )
    elif step == MatchStep.confirm:
        match = await matches.confirm(
            session, resident, match_id,
            MatchConfirm(contact=data.contact, meeting_note=data.meeting_note), by=connector,
        )  # fmt: skip
    elif step == MatchStep.decline:
        match = await matches.decline(session, resident, match_id, by=connector)
    elif step == MatchStep.complete:
        match = await matches.complete(session, resident, match_id, by=connector)
    else:
        match = await matches.cancel(session, resident, match_id, by=connector)
    await _acted(
        session, connector, resident, where, {"match_id": str(match.id), "step": step.value}
    )
    return match, resident


async def check_on_them(
    session: AsyncSession, connector: Resident, resident_id: uuid.UUID, data: WelfareSignupPut
) -> WelfareSignupPublic:
    """Ask for them to be checked on in a crisis: by a connector's call, as they have no
    app. Audited as your act."""
    resident, where = await _assisted(session, connector, resident_id)
    made = await welfare.sign_up(session, resident, data.model_copy(update={"by": CheckInBy.call}))
    await _acted(session, connector, resident, where, {"welfare_check": "by call"})
    return made


async def as_resident(
    session: AsyncSession, connector: Resident, resident_id: uuid.UUID
) -> Resident:
    resident, _ = await _assisted(session, connector, resident_id)
    return resident


async def _acted(
    session: AsyncSession,
    connector: Resident,
    resident: Resident,
    where: uuid.UUID | None,
    what: dict[str, Any],
) -> None:
    await audit.record(
        session, connector, AuditAction.acted_for_resident, "resident", resident.id,
        neighbourhood_id=where, after=what,
    )  # fmt: skip
