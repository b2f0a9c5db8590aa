"""One event that the end-to-end tests make over HTTP: a meal six hours from now in Totnes."""

from datetime import UTC, datetime, timedelta


def soup_night() -> dict[str, object]:
    """The body of POST /v1/events; its occurrence is the date of `starts_at`."""
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=6)
    return {
        "kind": "meal",
        "title": "Soup night",
        "venue": {"name": "Civic hall", "lat": 50.4316, "lon": -3.6851},
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
    }
