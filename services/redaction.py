"""Taking one resident's name and email out of what stays when they erase their account:
others' words about them, and the copies Kith made of their name and titles."""

import json
import re
import uuid
from typing import Any

from sqlalchemy import Text, cast, func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.audit import AuditEntry
from models.idempotency import IdempotencyRecord
from models.matches import Match
from models.notifications import Notification
from models.reports import Report
from models.residents import Resident
from models.ties import Tie
from services import audit, bulk

FORMER_NAME = "Former neighbour"
_FORMER = "a former neighbour"
_NO_EMAIL = "[email removed]"
_MATCH_KEY = len("match:") + 36  # a match notice's dedupe key starts "match:<id>" (or alert:)


class Redactor:
    """Takes one resident's name and email out of text and JSON. The name goes only as a
    whole word ("Al" leaves "Always" alone); copies Kith made of their post titles go too."""

    def __init__(self, resident: Resident) -> None:
        self.id = str(resident.id)
        self.name = resident.display_name
        self.email = resident.email
        self._name = re.compile(rf"(?<!\w){re.escape(self.name)}(?!\w)", re.IGNORECASE)
        self._email = re.compile(re.escape(self.email), re.IGNORECASE)
        self.titles: dict[str, str] = {}  # their old post and event titles, and what replaced them

    def words(self, text: str) -> str:
        """Someone's own words: only the name and email change."""
        text = self._email.sub(_NO_EMAIL, text)
        return self._name.sub(lambda m: _FORMER.capitalize() if m.start() == 0 else _FORMER, text)

    def copy(self, text: str) -> str:
        """Text Kith wrote from their data (a notice naming their request): titles change too."""
        for old, new in self.titles.items():
            text = text.replace(old, new)
        return self.words(text)

    def json(self, value: Any, copied: bool = False) -> Any:
        if isinstance(value, dict):
            out = {k: self.json(v, copied) for k, v in value.items()}
            if out.get("id") == self.id and "display_name" in out:  # a ResidentRef of theirs
                out["display_name"] = FORMER_NAME
            return out
        if isinstance(value, list):
            return [self.json(v, copied) for v in value]
        if isinstance(value, str):
            return self.copy(value) if copied else self.words(value)
        return value

    def stored_json_fragment(self) -> str:
        """The name as it appears inside a stored JSON document (non-ASCII escaped)."""
        return json.dumps(self.name)[1:-1]


async def redact_copies(
    session: AsyncSession, me: uuid.UUID, linked: set[uuid.UUID], redactor: Redactor
) -> None:
    """Where Kith copied their name into others' data, and others' words about them in
    records linked to them (`linked`: their matches, posts and the like)."""
    await _redact_notifications(session, me, linked, redactor)
    fragment = redactor.stored_json_fragment()
    # "you both know <name>": written into the reasons of matches between two others.
    reasons = await session.exec(
        select(Match).where(cast(Match.reasons, Text).icontains(fragment, autoescape=True))
    )
    for match in reasons.all():
        match.reasons = redactor.json(match.reasons)
        session.add(match)
    # Cached answers to others' creates that show them (a match, a connection ask).
    cached = await session.exec(
        select(IdempotencyRecord).where(
            cast(IdempotencyRecord.response, Text).contains(redactor.id, autoescape=True)
        )
    )
    for record in cached.all():
        record.response = redactor.json(record.response, copied=True)
        session.add(record)
    # Occasions of others' ties, taken from the titles of events they hosted.
    contexts = await session.exec(
        select(Tie).where(col(Tie.context).icontains(redactor.name, autoescape=True))
    )
    for tie in contexts.all():
        tie.context = redactor.copy(tie.context or "")[:120]
        session.add(tie)
    about = or_(
        col(Report.reporter_id) == me,
        col(Report.concerns_id) == me,
        bulk.among(session, Report.subject_id, linked),
    )
    for report in (await session.exec(select(Report).where(about))).all():
        report.details = redactor.words(report.details)
        report.action = redactor.words(report.action)
        session.add(report)
    entries = await session.exec(
        select(AuditEntry).where(
            or_(col(AuditEntry.actor_id) == me, bulk.among(session, AuditEntry.subject_id, linked))
        )
    )
    for entry in entries.all():
        reason, before, after = (
            redactor.words(entry.reason), redactor.json(entry.before), redactor.json(entry.after)
        )  # fmt: skip
        if (reason, before, after) != (entry.reason, entry.before, entry.after):
            audit.redact(entry, reason, before, after)
            session.add(entry)


async def _redact_notifications(
    session: AsyncSession, me: uuid.UUID, linked: set[uuid.UUID], redactor: Redactor
) -> None:
    """Others' notices that name them (an ask to connect, an invitation to co-host, a
    suggested helper) or quote their request (each notice about a match with them, each
    alert about their request)."""
    # Notices about a match with them ("match:<id>...") or alerts about their request
    # ("alert:<id>..."): both prefixes are six characters.
    match_keys = [f"{kind}:{i}" for i in linked for kind in ("match", "alert")]
    naming = await session.exec(
        select(Notification)
        .where(col(Notification.resident_id) != me)
        .where(
            or_(
                col(Notification.title).icontains(redactor.name, autoescape=True),
                func.substr(Notification.dedupe_key, 1, _MATCH_KEY).in_(match_keys),
            )
        )
    )
    ids = {str(i) for i in linked}
    for notification in naming.all():
        mentioned = set(_UUID.findall(notification.dedupe_key + json.dumps(notification.data)))
        if not mentioned & ids:
            continue  # another person of the same name
        title = redactor.copy(notification.title)
        data = redactor.json(notification.data, copied=True)
        if (title, data) != (notification.title, notification.data):
            notification.title, notification.data = title, data
            session.add(notification)


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
