"""`kith demo --residents N` and `kith serve --demo`: the synthetic city (services/city.py)
in the database that DATABASE_URL names, with the demo's documented sign-ins."""

import asyncio
import sys
import time

from api.db import Database
from api.settings import get_settings
from services import city, demo
from services.passwords import PasswordHasher

REFUSED_IN_PRODUCTION = "Demo data has accounts with a published password: not in production."


def seed_city(residents: int) -> None:
    settings = get_settings()
    if settings.environment == "production":
        raise SystemExit(REFUSED_IN_PRODUCTION)
    started = time.monotonic()
    last_said = [0.0]

    def progress(done: int, total: int) -> None:
        # A line every ten seconds or so: a million residents take a while.
        if time.monotonic() - last_said[0] >= 10 or done == total:
            last_said[0] = time.monotonic()
            print(f"  {done} of {total} neighbourhoods", file=sys.stderr, flush=True)

    async def run() -> city.CitySummary:
        database = Database.connect(settings.database_url)
        hasher = PasswordHasher(settings.auth.argon2_time_cost, settings.auth.argon2_memory_kib)
        try:
            return await city.seed(database.transaction, hasher, residents, progress)
        except ValueError as refused:  # what was asked cannot be done here: say why
            raise SystemExit(f"kith demo: {refused}") from None
        finally:
            await database.engine.dispose()

    summary = asyncio.run(run())
    print(_described(summary, time.monotonic() - started), flush=True)


def _described(summary: city.CitySummary, seconds: float) -> str:
    made = summary.demo
    lines = [
        "Demo neighbourhood 'Totnes town centre (demo)': "
        + (
            f"created, {made.resident_count} residents, {made.offer_count} offers and "
            f"{made.request_count} requests."
            if made.created
            else "already present."
        )
    ]
    if summary.neighbourhoods:
        lines.append(
            f"Around it, {summary.neighbourhoods} more neighbourhoods, {summary.residents} "
            f"residents in all ({summary.written} neighbourhoods written now, in {seconds:.0f} s)."
        )
    lines.append(
        f"Sign in as {made.sample_email} (up to resident{demo.RESIDENTS:03d}@...), as a "
        f"connector, {made.connector_email}, or as the admin, {made.admin_email}, with the "
        f"password '{demo.DEMO_PASSWORD}' (the city's residents, n1.r0@... and so on, too)."
    )
    return "\n".join(lines)
