"""Crisis assignment plans: worked out, shown to a connector, and only then sent."""

import uuid
from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, new_id, utcnow
from models.trust import ResidentRef


class AssignmentPlan(SQLModel, table=True):
    __tablename__ = "assignment_plan"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    neighbourhood_id: uuid.UUID = Field(
        foreign_key="neighbourhood.id", index=True, ondelete="CASCADE"
    )
    made_by: uuid.UUID | None = Field(default=None, foreign_key="resident.id", ondelete="SET NULL")
    # [{"request_id", "helper_id", "score_permille"}]: what the connector saw and approves;
    # a request left unassigned has helper_id null.
    pairs: list[dict[str, object]] = Field(default_factory=list, sa_type=JSON)
    total_permille: int = Field(default=0)
    greedy_total_permille: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    committed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Assignment(SQLModel):
    request_id: uuid.UUID
    request_title: str
    helper: ResidentRef | None = Field(description="Null: left without a helper in this plan.")
    score: float | None = Field(description="In steps of 0.05.")


class AssignmentPlanPublic(SQLModel):
    """The plan's summary; its pairs are at `.../assignments/{plan_id}/pairs`, paged."""

    id: uuid.UUID
    assigned: int = Field(description="Helper-and-request pairs in the plan.")
    unassigned: int = Field(
        description="Open requests left without a helper: no candidate, or none to spare."
    )
    total_score: float = Field(description="The plan's total score, the highest possible.")
    greedy_total_score: float = Field(
        description="What taking the best pair first, and so on, would have scored."
    )
    requests: int
    helpers: int
    created_at: datetime
    committed_at: datetime | None
    expires_at: datetime = Field(description="Commit it before then, or make a new one.")


class AssignmentCommitted(SQLModel):
    proposed: int = Field(description="Proposals sent to helpers.")
    skipped: int = Field(description="Pairs that no longer fit (a request filled, a helper away).")
    match_ids: list[uuid.UUID]
