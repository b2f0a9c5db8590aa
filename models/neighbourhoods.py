"""Neighbourhoods: named areas made of H3 cells, each with its community connectors."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, StringConstraints
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, new_id, utcnow

NeighbourhoodName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)
]


class NeighbourhoodBase(SQLModel):
    name: NeighbourhoodName = Field(max_length=120, description="e.g. 'Elm Street and Parkside'.")
    description: str = Field(default="", max_length=1000, description="Who and where it is for.")


class Neighbourhood(NeighbourhoodBase, table=True):
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    centre_cell: str = Field(max_length=16)
    radius_m: int
    cell_resolution: int
    created_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NeighbourhoodCell(SQLModel, table=True):
    """One cell of a neighbourhood's area; membership is a lookup by cell."""

    __tablename__ = "neighbourhood_cell"

    neighbourhood_id: uuid.UUID = Field(
        foreign_key="neighbourhood.id", primary_key=True, ondelete="CASCADE"
    )
    cell: str = Field(max_length=16, primary_key=True, index=True)


class NeighbourhoodConnector(SQLModel, table=True):
    __tablename__ = "neighbourhood_connector"

    neighbourhood_id: uuid.UUID = Field(
        foreign_key="neighbourhood.id", primary_key=True, ondelete="CASCADE"
    )
    # Indexed alone too: "which neighbourhoods is this resident a connector of?" is asked on
    # every events feed and every connector's request.
    resident_id: uuid.UUID = Field(
        foreign_key="resident.id", primary_key=True, index=True, ondelete="CASCADE"
    )
    appointed_by: uuid.UUID | None = Field(
        default=None, foreign_key="resident.id", ondelete="SET NULL"
    )
    appointed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NeighbourhoodCreate(NeighbourhoodBase):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    lat: float = Field(ge=-90, le=90, description="Latitude of the area's centre (a public place).")
    lon: float = Field(ge=-180, le=180, description="Longitude of the area's centre.")
    radius_m: int = Field(
        ge=200, le=20_000, description="Cells whose centres lie within this many metres belong."
    )


class ConnectorPublic(SQLModel):
    id: uuid.UUID
    display_name: str
    appointed_at: datetime


class NeighbourhoodPublic(NeighbourhoodBase):
    id: uuid.UUID
    radius_m: int
    cell_count: int = Field(description="How many H3 cells make up the area.")
    connectors: list[ConnectorPublic]
    created_at: datetime
