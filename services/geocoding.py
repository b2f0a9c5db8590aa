"""Turning an address or postcode into a cell, for neighbours who do not use the app. Any
Nominatim-compatible server (a self-hosted one, ideally) through geopy; the point found is
snapped to a cell and dropped, like every point in Kith."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import anyio
from geopy.exc import GeopyError
from geopy.geocoders import Nominatim

from services import geo
from services.errors import InvalidInput, Unavailable

CANDIDATES = 5


@dataclass(frozen=True)
class GeocoderSettings:
    url: str = "https://nominatim.openstreetmap.org"
    user_agent: str = "kith-mutual-aid"
    timeout_s: float = 5.0
    country_codes: str | None = "gb"


class Geocoder:
    def __init__(self, settings: GeocoderSettings) -> None:
        parts = urlsplit(settings.url)
        self._settings = settings
        self._nominatim = Nominatim(
            domain=parts.netloc + parts.path.rstrip("/"),
            scheme=parts.scheme or "https",
            user_agent=settings.user_agent,
            timeout=settings.timeout_s,
        )

    async def cell_of(self, address: str, resolution: int) -> str:
        """The one cell the address lies in. Nothing found, or places in different cells
        (a street name shared by two towns), is a clear 422; a geocoder that does not
        answer is a 503. Either way nothing is created."""

        def lookup() -> list[Any] | None:  # geopy Locations
            found = self._nominatim.geocode(
                address,
                exactly_one=False,
                limit=CANDIDATES,
                country_codes=self._settings.country_codes,
            )
            return list(found) if found else None

        try:
            found = await anyio.to_thread.run_sync(lookup)
        except GeopyError as exc:
            raise Unavailable("The address lookup did not answer; please try again.") from exc
        if not found:
            raise InvalidInput(
                "No place was found for that address. Check it, or give a postcode.",
                field=("address",),
            )
        cells = {geo.cell_of(place.latitude, place.longitude, resolution) for place in found}
        if len(cells) > 1:
            raise InvalidInput(
                "That address matches places in different areas; add the postcode or town.",
                field=("address",),
            )
        return cells.pop()
