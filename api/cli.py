"""The `kith` command: serve, demo, crisis-replay, migrate, create-admin, jobs, worker,
openapi."""

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

import uvicorn
from pydantic import ValidationError

from api.logging import configure_logging
from api.settings import get_settings

DEMO_RESIDENTS = 300  # services.demo.RESIDENTS, without importing the services to parse


def migrate_database() -> None:
    from api.migrate import upgrade

    asyncio.run(upgrade(get_settings().database_url))


def serve(args: argparse.Namespace) -> None:
    settings = get_settings()
    if args.demo and settings.environment == "production":
        raise SystemExit("--demo adds accounts with a published password: not in production.")
    configure_logging(settings.log_level)
    migrate_database()
    if args.demo:
        from api import cli_demo
        from services import demo

        cli_demo.seed_city(demo.RESIDENTS)
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_config=None,
        access_log=False,  # kith.access logs each request without its query string
        proxy_headers=True,
    )


def migrate(_args: argparse.Namespace) -> None:
    configure_logging(get_settings().log_level)
    migrate_database()
    print("Database is at the newest schema.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the new admin: ")
    if first != getpass.getpass("Same password again: "):
        raise SystemExit("The two passwords differ; nothing was changed.")
    return first


def create_admin(args: argparse.Namespace) -> None:
    from api.db import Database
    from services import residents
    from services.errors import DomainError
    from services.passwords import PasswordHasher

    settings = get_settings()
    configure_logging(settings.log_level)
    password = _read_password(args.password_stdin)
    migrate_database()

    async def run() -> tuple[str, bool]:
        database = Database.connect(settings.database_url)
        hasher = PasswordHasher(settings.auth.argon2_time_cost, settings.auth.argon2_memory_kib)
        try:
            async with database.transaction() as session:
                resident, created = await residents.create_admin(
                    session, hasher, args.email, password, args.display_name
                )
                return resident.email, created
        finally:
            await database.engine.dispose()

    try:
        email, created = asyncio.run(run())
    except DomainError as exc:
        raise SystemExit(f"Not done: {exc.detail}") from exc
    except ValidationError:
        raise SystemExit(f"Not done: {args.email!r} is not a valid email address.") from None
    if created:
        print(f"Created admin {email}.")
    else:
        print(f"{email} already had an account; it is now an admin.")


def jobs(args: argparse.Namespace) -> None:
    from api import live
    from api.db import Database
    from api.settings import alerting
    from models.base import utcnow
    from services import alerts, idempotency, match_expiry
    from services import reminders as due

    async def run() -> tuple[int, int, int]:
        settings = get_settings()
        database = Database.connect(settings.database_url)
        bus = live.bus_for(settings)  # reminders wake the residents' open streams
        live.attach(database, bus)
        try:
            async with database.transaction() as session:
                sent = await due.send_due(session, utcnow())
            async with database.transaction() as session:
                lapsed = await match_expiry.expire_due(
                    session, utcnow(), settings.trust.settings(), settings.matching.weights()
                )
            alerted, full = 0, True
            while full:  # a batch a transaction, until the due waves are all sent
                async with database.transaction() as session:
                    waves = await alerts.send_due(session, utcnow(), alerting(settings))
                alerted, full = alerted + waves.alerts, waves.waves == alerts.BATCH
            async with database.transaction() as session:
                await idempotency.prune(session, utcnow())
            return sent.reminders, lapsed.matches, alerted
        finally:
            await bus.close()
            await database.engine.dispose()

    sent, lapsed, alerted = asyncio.run(run())
    print(
        f"Stored {sent} new reminders. Expired {lapsed} unanswered matches. "
        f"Sent {alerted} alerts in the waves that were due."
    )


def worker(args: argparse.Namespace) -> None:
    import random

    import httpx

    from api import live
    from api.db import Database
    from api.worker import one_round, run_forever

    settings = get_settings()
    configure_logging(settings.log_level)

    async def run() -> None:
        database = Database.connect(settings.database_url)
        bus = live.bus_for(settings)  # reminders and lapsed matches wake open streams
        live.attach(database, bus)
        try:
            if args.once:
                async with httpx.AsyncClient(follow_redirects=False) as http:
                    sent = await one_round(database, settings, http, random.Random())
                print(f"Webhooks: {sent.delivered} of {sent.attempted} delivered.")
            else:
                await run_forever(database, settings, args.interval)
        finally:
            await bus.close()
            await database.engine.dispose()

    asyncio.run(run())


def demo_city(args: argparse.Namespace) -> None:
    from api import cli_demo

    if get_settings().environment == "production":
        raise SystemExit(cli_demo.REFUSED_IN_PRODUCTION)
    configure_logging(get_settings().log_level)
    migrate_database()
    cli_demo.seed_city(args.residents)


def crisis_replay(args: argparse.Namespace) -> None:
    from api import cli_replay

    if get_settings().environment == "production":
        raise SystemExit("crisis-replay seeds a city with published passwords: not in production.")
    print(cli_replay.run(args.residents, args.seed, args.requests, args.database_url))


def _city_size(text: str) -> int:
    value = int(text.replace(",", "").replace("_", ""))
    if not DEMO_RESIDENTS <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"from {DEMO_RESIDENTS} to 1,000,000")
    return value


def openapi(args: argparse.Namespace) -> None:
    from api import openapi as spec
    from api.app import create_app

    path = (
        spec.export(create_app(), Path(args.output)) if args.output else spec.export(create_app())
    )
    print(f"Wrote {path}")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="kith", description="Kith, the neighbourhood mutual-aid backend."
    )
    commands = root.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="migrate the database, then serve the API")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--demo", action="store_true", help="add a synthetic neighbourhood to try")
    p.set_defaults(run=serve)

    p = commands.add_parser(
        "demo",
        help="migrate, then add a synthetic city of N residents to DATABASE_URL's database "
        "(deterministic; a second run adds only what is missing)",
    )
    p.add_argument(
        "--residents",
        type=_city_size,
        default=DEMO_RESIDENTS,
        help=f"how many people live in the city, {DEMO_RESIDENTS} to 1,000,000 (default "
        f"{DEMO_RESIDENTS}: the demo neighbourhood alone, as `serve --demo`)",
    )
    p.set_defaults(run=demo_city)

    p = commands.add_parser(
        "crisis-replay",
        help="replay a day of crisis on a synthetic city of N residents (a temporary SQLite "
        "file), crisis mode off and on, and print a JSON report of the two",
    )
    p.add_argument("--residents", type=_city_size, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--requests", type=int, default=None, help="requests in the day (default: 1 in 25 people)"
    )
    p.add_argument(
        "--database-url",
        default=None,
        help="replay on this database's city instead (seeded with `kith demo`); every change "
        "is rolled back",
    )
    p.set_defaults(run=crisis_replay)

    p = commands.add_parser("migrate", help="bring the database to the newest schema")
    p.set_defaults(run=migrate)

    p = commands.add_parser("create-admin", help="make an admin account (or promote one)")
    p.add_argument("--email", required=True)
    p.add_argument("--display-name", default="Admin")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    p.set_defaults(run=create_admin)

    p = commands.add_parser(
        "jobs",
        help="run the periodic jobs once: event reminders, lapsing unanswered matches, "
        "alert waves that are due (every minute or so, from cron; any number may run at once)",
    )
    p.set_defaults(run=jobs)

    p = commands.add_parser(
        "worker",
        help="run background work in a loop: webhook deliveries, reminders, lapsing "
        "matches (any number may run at once)",
    )
    p.add_argument("--interval", type=float, default=5.0, help="seconds between rounds")
    p.add_argument("--once", action="store_true", help="one round, then exit")
    p.set_defaults(run=worker)

    p = commands.add_parser("openapi", help="write openapi/openapi.json")
    p.add_argument("--output", type=str, default=None)
    p.set_defaults(run=openapi)
    return root


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        get_settings()
    except ValidationError as exc:
        # Without the input values: they may be secrets.
        problems = "\n".join(
            f"  {'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors(include_input=False)
        )
        raise SystemExit(f"Kith's configuration is not valid:\n{problems}") from None
    args.run(args)
