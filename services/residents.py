"""Accounts: registration, the resident's own profile, and where they belong."""

from pydantic import EmailStr, TypeAdapter
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.base import utcnow
from models.neighbourhoods import Neighbourhood, NeighbourhoodCell, NeighbourhoodConnector
from models.residents import (
    COARSE_RESOLUTION,
    FINE_RESOLUTION,
    HomeLocation,
    MePublic,
    NeighbourhoodRef,
    QuietHours,
    Resident,
    ResidentCreate,
    ResidentStatus,
    ResidentUpdate,
    Roles,
)
from services import geo, recurrence
from services.errors import Conflict, InvalidInput
from services.neighbourhoods import AREA_RESOLUTION
from services.passwords import PasswordHasher, check_strength

_EMAIL = TypeAdapter(EmailStr)


def _resolution(coarse: bool) -> int:
    return COARSE_RESOLUTION if coarse else FINE_RESOLUTION


def _home_cell(home: HomeLocation, coarse: bool) -> str:
    return geo.cell_of(home.lat, home.lon, _resolution(coarse))


async def email_taken(session: AsyncSession, email: str) -> bool:
    found = await session.exec(select(Resident.id).where(Resident.email == email))
    return found.first() is not None


async def register(session: AsyncSession, hasher: PasswordHasher, data: ResidentCreate) -> Resident:
    email = data.email.strip().lower()
    check_strength(data.password, personal=[email, email.split("@")[0], data.display_name])
    if await email_taken(session, email):
        raise Conflict("An account with this email already exists. Sign in instead.")
    resident = Resident(
        email=email,
        display_name=data.display_name,
        bio=data.bio,
        password_hash=await hasher.hash(data.password),
        home_cell=_home_cell(data.home, data.coarse_location),
        cell_resolution=_resolution(data.coarse_location),
    )
    session.add(resident)
    try:
        # Two sign-ups with one email can both pass the check above; the unique index decides.
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists. Sign in instead.") from exc
    return resident


async def create_admin(
    session: AsyncSession, hasher: PasswordHasher, email: str, password: str, display_name: str
) -> tuple[Resident, bool]:
    """Make `email` an admin, creating the account if needed. Returns (resident, created).

    An existing account is promoted only with its own password: otherwise whoever signed up
    first with the operator's address through the public API would become the admin.
    """
    email = str(_EMAIL.validate_python(email.strip())).lower()
    resident = (await session.exec(select(Resident).where(Resident.email == email))).first()
    if resident is not None:
        if resident.status != ResidentStatus.active:
            raise Conflict("That account is not active, so it cannot be made an admin.")
        if not await hasher.verify(password, resident.password_hash):
            raise Conflict(
                "An account with this email already exists. To make it an admin, give that "
                "account's current password."
            )
        resident.is_admin = True
        resident.updated_at = utcnow()
        session.add(resident)
        await session.flush()
        return resident, False
    check_strength(password, personal=[email, email.split("@")[0], display_name])
    resident = Resident(
        email=email,
        display_name=display_name,
        password_hash=await hasher.hash(password),
        is_admin=True,
    )
    session.add(resident)
    await session.flush()
    return resident, True


async def neighbourhoods_of(session: AsyncSession, resident: Resident) -> list[Neighbourhood]:
    """The neighbourhoods whose area holds the resident's home cell, found at query time so a
    move (or a new neighbourhood) never leaves a stale membership behind."""
    if resident.home_cell is None:
        return []
    cell = geo.at_resolution(resident.home_cell, AREA_RESOLUTION)
    rows = await session.exec(
        select(Neighbourhood)
        .join(NeighbourhoodCell, col(NeighbourhoodCell.neighbourhood_id) == Neighbourhood.id)
        .where(NeighbourhoodCell.cell == cell)
        .order_by(col(Neighbourhood.name), col(Neighbourhood.id))
    )
    return list(rows.all())


def quiet_hours(resident: Resident) -> QuietHours | None:
    if resident.quiet_from is None or resident.quiet_until is None:
        return None
    return QuietHours(start=resident.quiet_from, end=resident.quiet_until)


async def me(session: AsyncSession, resident: Resident) -> MePublic:
    neighbourhoods = await neighbourhoods_of(session, resident)
    connector_of = await session.exec(
        select(NeighbourhoodConnector.neighbourhood_id)
        .where(NeighbourhoodConnector.resident_id == resident.id)
        .order_by(col(NeighbourhoodConnector.neighbourhood_id))
    )
    return MePublic(
        id=resident.id,
        email=resident.email,
        display_name=resident.display_name,
        bio=resident.bio,
        home_cell=resident.home_cell,
        coarse_location=resident.cell_resolution == COARSE_RESOLUTION,
        skills=resident.skills,
        languages=resident.languages,
        weekly_help_cap=resident.weekly_help_cap,
        on_duty=resident.on_duty,
        daily_alert_cap=resident.daily_alert_cap,
        quiet_hours=quiet_hours(resident),
        timezone=resident.timezone,
        open_to_outreach=resident.open_to_outreach,
        status=resident.status,
        roles=Roles(admin=resident.is_admin, connector_of=list(connector_of.all())),
        neighbourhoods=[NeighbourhoodRef(id=n.id, name=n.name) for n in neighbourhoods],
        created_at=resident.created_at,
    )


def _moved_cell(resident: Resident, data: ResidentUpdate) -> tuple[str | None, int]:
    coarse = (
        data.coarse_location
        if data.coarse_location is not None
        else resident.cell_resolution == COARSE_RESOLUTION
    )
    resolution = _resolution(coarse)
    if data.home is not None:
        return _home_cell(data.home, coarse), resolution
    if resident.home_cell is None or resolution == resident.cell_resolution:
        return resident.home_cell, resolution
    if resolution > resident.cell_resolution:
        raise InvalidInput(
            "A finer location needs a new `home` point: the finer cell was never kept.",
            field=("home",),
        )
    return geo.at_resolution(resident.home_cell, resolution), resolution


async def update_me(session: AsyncSession, resident: Resident, data: ResidentUpdate) -> MePublic:
    resident.home_cell, resident.cell_resolution = _moved_cell(resident, data)
    if "quiet_hours" in data.model_fields_set:
        quiet = data.quiet_hours
        resident.quiet_from, resident.quiet_until = (
            (quiet.start, quiet.end) if quiet else (None, None)
        )
    if data.timezone is not None:
        recurrence.zone(data.timezone)  # an unknown zone is a 422, not a stored mistake
    changes = data.model_dump(
        exclude_unset=True, exclude={"home", "coarse_location", "quiet_hours"}
    )
    for name, value in changes.items():
        setattr(resident, name, value)
    resident.version += 1
    resident.updated_at = utcnow()
    session.add(resident)
    await session.flush()
    return await me(session, resident)
