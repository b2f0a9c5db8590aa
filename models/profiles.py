"""A resident's public profile, with trust seen from the viewer's side."""

import uuid
from datetime import date

from sqlmodel import Field, SQLModel

from models.ties import YourTie
from models.trust import ResidentRef
from models.verifications import Badge
from models.vouches import VouchRecord

MUTUALS_NAMED = 5


class TrustSummary(SQLModel):
    reasons: list[str] = Field(description='In plain words, e.g. "you both know Sam".')
    your_tie: YourTie | None = Field(description="Your own tie with them, if you have one.")
    mutual_count: int = Field(description="How many people you both have a tie with.")
    mutuals: list[ResidentRef] = Field(
        description=f"Up to {MUTUALS_NAMED} of them, only people neither of you has blocked."
    )
    vouch_count: int = Field(description="Live vouches from neighbours who are not connectors.")
    vouched_by_connector: bool
    badges: list[Badge] = Field(description="Current verifications.")


class ResidentProfile(SQLModel):
    """What any signed-in resident may see of another. Never their location or tie list."""

    id: uuid.UUID
    display_name: str
    bio: str
    skills: list[str]
    languages: list[str]
    member_since: date
    trust: TrustSummary | None = Field(description="Null on your own profile.")
    vouches: list[VouchRecord] | None = Field(
        default=None,
        description="Only for a connector of their neighbourhood: the latest 20 vouches for "
        "them, revoked ones included, with their notes.",
    )
