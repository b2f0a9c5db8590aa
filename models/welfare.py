"""Welfare check-ins: residents who opt in are asked "are you OK?" when crisis mode starts
where they live, in the app or by a connector's phone call. (Not event check-ins, which are
`models.events.CheckIn`.)"""

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, new_id, utcnow
from models.categories import Category
from models.trust import ResidentRef


class CheckInBy(StrEnum):
    app = "app"  # a notification in the app
    call = "call"  # a connector phones (residents without the app, or who prefer it)


class WelfareAnswer(StrEnum):
    fine = "fine"
    need_help = "need_help"


class WelfareSignup(SQLModel, table=True):
    """A resident's wish to be checked on in a crisis, and the request to open for them if
    they say they need help."""

    __tablename__ = "welfare_signup"

    resident_id: uuid.UUID = Field(foreign_key="resident.id", primary_key=True, ondelete="CASCADE")
    by: CheckInBy = Field(sa_type=enum_column(CheckInBy))
    help_category: Category = Field(sa_type=enum_column(Category))
    help_note: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WelfareSignupPut(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    by: CheckInBy = Field(
        default=CheckInBy.app,
        description="`app`: an 'are you OK?' in the app; `call`: a connector phones you.",
    )
    help_category: Category = Field(
        default=Category.shopping,
        description="If you say you need help, an urgent request of this kind is opened.",
    )
    help_note: str = Field(
        default="",
        max_length=500,
        description="Its details, e.g. 'I use a wheelchair; I need my medicines'. Shared as "
        "a request's details are.",
    )


class WelfareSignupPublic(SQLModel):
    by: CheckInBy
    help_category: Category
    help_note: str
    updated_at: datetime


class WelfareCheck(SQLModel, table=True):
    """One resident asked, in one crisis."""

    __tablename__ = "welfare_check"
    __table_args__ = (
        UniqueConstraint("crisis_id", "resident_id"),
        Index("ix_welfare_check_open", "crisis_id", "answered_at"),
    )

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    crisis_id: uuid.UUID = Field(foreign_key="crisis.id", ondelete="CASCADE")
    resident_id: uuid.UUID = Field(foreign_key="resident.id", index=True, ondelete="CASCADE")
    by: CheckInBy = Field(sa_type=enum_column(CheckInBy))
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answer: WelfareAnswer | None = Field(default=None, sa_type=enum_column(WelfareAnswer))
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The connector who answered for them after a call; null: they answered themselves.
    answered_for_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    request_id: uuid.UUID | None = Field(
        default=None, foreign_key="help_request.id", ondelete="SET NULL"
    )


class WelfareCheckAnswer(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    answer: WelfareAnswer = Field(
        description="`fine`, or `need_help`: an urgent request is opened with your defaults."
    )


class WelfareCheckPublic(SQLModel):
    id: uuid.UUID
    crisis_id: uuid.UUID
    resident: ResidentRef
    by: CheckInBy
    asked_at: datetime
    answer: WelfareAnswer | None
    answered_at: datetime | None
    request_id: uuid.UUID | None = Field(description="The request opened when help was needed.")
