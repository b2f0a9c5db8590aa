"""The authorisation matrix (issue 9): every operation of the app, called by every kind of
caller, answers with the status the policy gives that caller.

Callers: the owner of the objects in question; another resident nearby; a resident the
owner blocked; a connector of the owner's neighbourhood; a connector of a neighbourhood far
away; an admin (who lives far away too, so that an admin's answers show admin powers and
not proximity); an API key acting as the owner (or, for the health page, as the connector)
that holds the operation's scope, and one that holds every scope but that one; a resident
suspended by their connector; and nobody at all.

The policy, as DESIGN.md and the services' docstrings give it: anonymous is 401, and so is
a suspended account (every request checks the account); what a caller may not see is 404,
and so are connector-only and admin-only operations to anyone else (nobody learns whom or
what they cannot touch); a visible thing the caller may not act on is 403 (an event they
do not host); a block hides, and never says so (404); an API key works only on operations
its scopes name (403, naming a missing scope).

The table is keyed by operation id and checked against the app's route table, so a new
operation fails `test_the_matrix_names_every_operation` until someone decides who may call
it. Each operation is called with path parameters naming the owner's objects (for steps
that belong to one side, an object where the owner is that side: a match proposed to the
owner for `accept`, one the owner asked for for `confirm`) and a body that is valid for the
owner, so that a 422 never hides an authorisation answer. (The other way round, the
anonymous caller with nothing else, is `test_nobody_gets_past_the_door_without_signing_in`:
401 comes before any 422 or 428.)

How one world serves ~1,000 calls: the scenario is built once, through the API, inside the
test's transaction; then every call runs inside a SAVEPOINT on the test's connection, rolled
back after it (each request's own transaction is a savepoint inside that one). A successful
cancel, erase or suspension therefore never changes the world the next call sees, in any
order. Time is frozen half an hour before the owner's weekly supper, so its check-in code
holds for the whole run.
"""

import uuid
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

import anyio
import h3
import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from api.settings import RateLimitSettings, Settings
from models.api_keys import Scope
from models.residents import Resident
from tests.conftest import test_settings as settings_for
from tests.factories import HOME, Account, connect, register

FAR = {"lat": HOME["lat"] + 0.2, "lon": HOME["lon"]}  # ~22 km: out of every reach
NEAR = {"lat": HOME["lat"] + 0.005, "lon": HOME["lon"] + 0.006}
# Frozen half an hour before the first supper (a Tuesday; London is on GMT in March).
NOW = datetime(2027, 3, 9, 17, 30, tzinfo=UTC)
SUPPER_DAY = "2027-03-09"
NEXT_SUPPER_DAY = "2027-03-16"


class Caller(StrEnum):
    owner = "owner"
    neighbour = "another resident"
    blocked = "blocked resident"
    connector = "connector here"
    elsewhere = "connector elsewhere"
    admin = "admin"
    key = "key with the scope"
    keyless = "key without it"
    suspended = "suspended resident"
    anonymous = "anonymous"


CALLERS = list(Caller)

# Who may call what. Columns in the order of `Caller`; a row per operation id.
# fmt: off
EXPECTED: dict[str, tuple[int, ...]] = {
    #                                     own  oth  blk  con  far  adm  key  -key sus  anon
    # Probes, the taxonomy, sign-up and sign-in: for anyone (a token or key changes nothing).
    "ops-healthz":                       (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "ops-readyz":                        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "ops-metrics":                       (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "categories-list-all":               (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "auth-register":                     (201, 201, 201, 201, 201, 201, 201, 201, 201, 201),
    "auth-token":                        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "auth-refresh":                      (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "auth-logout":                       (204, 204, 204, 204, 204, 204, 204, 204, 204, 204),
    # The private calendar feed: its address is the key (calendar apps cannot sign in).
    "events-calendar-feed":              (200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    # One's own account: every resident, about themselves; never through an API key.
    "me-read":                           (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "me-update":                         (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "me-circle":                         (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "me-export":                         (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "me-erase":                          (204, 204, 204, 204, 204, 204, 403, 403, 401, 401),
    "matches-disclosures":               (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "events-rotate-calendar-feed":       (201, 201, 201, 201, 201, 201, 403, 403, 401, 401),
    "events-stop-calendar-feed":         (204, 204, 204, 204, 204, 204, 403, 403, 401, 401),
    "sync-changes":                      (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "notifications-inbox":               (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "notifications-stream":              (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "notifications-mark-read":           (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "devices-register":                  (201, 201, 201, 201, 201, 201, 403, 403, 401, 401),
    "devices-list-devices":              (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "devices-forget":                    (204, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    # Other residents: a public profile for anyone signed in, unless a block hides it.
    "residents-read-profile":            (200, 200, 404, 200, 200, 200, 403, 403, 401, 401),
    # Offers: anyone may post; reading needs reach (and no block); only the owner changes
    # one ("someone else's post is not there to change": 404, even when it can be seen).
    "offers-create":                     (201, 201, 201, 201, 201, 201, 403, 403, 401, 401),
    "offers-list-nearby":                (200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "offers-read":                       (200, 200, 404, 200, 404, 404, 200, 403, 401, 401),
    "offers-update":                     (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "offers-withdraw":                   (204, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    # Requests: the same, with API key scopes for integrators.
    "requests-create":                   (201, 201, 201, 201, 201, 201, 201, 403, 401, 401),
    "requests-list-nearby":              (200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "requests-read":                     (200, 200, 404, 200, 404, 404, 200, 403, 401, 401),
    "requests-update":                   (200, 404, 404, 404, 404, 404, 200, 403, 401, 401),
    "requests-cancel":                   (204, 404, 404, 404, 404, 404, 204, 403, 401, 401),
    # Candidates and asking one: the requester and the connectors where the request is.
    "requests-candidates":               (200, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    "matches-propose":                   (201, 404, 404, 201, 404, 404, 403, 403, 401, 401),
    # Matches: each step by the side it belongs to; to anyone else a match is not there.
    "matches-list-matches":              (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "matches-read":                      (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "matches-accept":                    (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "matches-decline":                   (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "matches-confirm":                   (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "matches-complete":                  (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "matches-cancel":                    (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "matches-thank":                     (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "matches-feedback":                  (201, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    # Alerts about requests nearby: everyone's own list; only the one alerted says no.
    "alerts-mine":                       (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "alerts-decline":                    (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    # Welfare check-ins: signing up is one's own; an "are you OK?" is for the resident
    # asked and the connectors where they live (who may answer after a call).
    "welfare-sign-up":                   (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "welfare-read-signup":               (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "welfare-leave":                     (204, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "welfare-read-check":                (200, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    "welfare-answer":                    (200, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    # Trust: anyone may ask, vouch, block; only the parties answer, end or take back.
    "trust-ask-to-connect":              (201, 201, 201, 201, 201, 201, 403, 403, 401, 401),
    "trust-list-connections":            (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "trust-accept-connection":           (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "trust-decline-connection":          (204, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "trust-end-connection":              (204, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "trust-vouch":                       (201, 201, 201, 201, 201, 201, 403, 403, 401, 401),
    "trust-list-vouches":                (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "trust-revoke-vouch":                (204, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "trust-block":                       (201, 201, 201, 201, 201, 201, 403, 403, 401, 401),
    "trust-list-blocks":                 (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "trust-unblock":                     (204, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    # Events are at public places: anyone may read one and answer, unless a block with a
    # host hides it; hosting acts are the hosts' (403 to others who can see the event).
    "events-create":                     (201, 201, 201, 201, 201, 201, 403, 403, 401, 401),
    "events-list-occurrences":           (200, 200, 200, 200, 200, 200, 200, 403, 401, 401),
    "events-read":                       (200, 200, 404, 200, 200, 200, 200, 403, 401, 401),
    "events-event-calendar":             (200, 200, 404, 200, 200, 200, 403, 403, 401, 401),
    "events-update":                     (200, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    "events-cancel":                     (204, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    "events-cancel-occurrence":          (204, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    "events-move-occurrence":            (200, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    "events-rsvp":                       (200, 200, 404, 200, 200, 200, 403, 403, 401, 401),
    "events-attendees":                  (200, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    "events-check-in-code":              (200, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    # With the code shown in the room, anyone who can see the event checks in.
    "events-check-in":                   (200, 200, 404, 200, 200, 200, 403, 403, 401, 401),
    # Who checked in: for those who did, and hosts.
    "events-list-check-ins":             (200, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    "events-keep-in-touch":              (200, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    "events-list-hosts":                 (200, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    "events-invite-host":                (200, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    # Saying yes to hosting: only the one invited (here the owner, to a friend's event).
    "events-accept-hosting":             (200, 404, 404, 404, 404, 404, 403, 403, 401, 401),
    "events-remove-host":                (204, 403, 404, 403, 403, 403, 403, 403, 401, 401),
    # Reports: anyone raises one and follows their own; connectors of the place resolve.
    "reports-raise-report":              (201, 201, 201, 201, 201, 201, 403, 403, 401, 401),
    "reports-list-reports":              (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "reports-resolve-report":            (404, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    # Connectors' work: their own neighbourhood's, or (where authority says so) an admin's.
    "moderation-queue":                  (404, 404, 404, 200, 200, 404, 403, 403, 401, 401),
    "moderation-approve-match":          (404, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    "moderation-reject-match":           (404, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    "residents-record-verification":     (404, 404, 404, 200, 404, 200, 403, 403, 401, 401),
    "residents-suspend":                 (404, 404, 404, 200, 404, 200, 403, 403, 401, 401),
    "residents-reinstate":               (404, 404, 404, 200, 404, 200, 403, 403, 401, 401),
    "audit-list-entries":                (404, 404, 404, 200, 200, 200, 403, 403, 401, 401),
    # Assisted residents: registered by a connector of where they live; acted for by their
    # connectors or an admin. The list is everyone's own (empty unless a connector).
    "assisted-register":                 (404, 404, 404, 201, 404, 404, 403, 403, 401, 401),
    "assisted-list-assisted":            (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "assisted-ask-for-help":             (404, 404, 404, 201, 404, 201, 403, 403, 401, 401),
    "assisted-their-matches":            (404, 404, 404, 200, 404, 200, 403, 403, 401, 401),
    "assisted-check-on-them":            (404, 404, 404, 200, 404, 200, 403, 403, 401, 401),
    "assisted-take-step":                (404, 404, 404, 200, 404, 200, 403, 403, 401, 401),
    # Crisis batches: the neighbourhood's connectors only.
    "crisis-plan":                       (404, 404, 404, 201, 404, 404, 403, 403, 401, 401),
    "crisis-read-plan":                  (404, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    "crisis-plan-pairs":                 (404, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    "crisis-commit-plan":                (404, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    # Crisis mode: switched and read by the neighbourhood's connectors only (the world's
    # own neighbourhood is in crisis mode; switching on is tried on the far one, whose
    # connector is the one far away).
    "crisis-start":                      (404, 404, 404, 404, 201, 404, 403, 403, 401, 401),
    "crisis-current":                    (404, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    "crisis-stop":                       (404, 404, 404, 204, 404, 404, 403, 403, 401, 401),
    # Neighbourhoods: readable by residents; drawn and staffed by admins; the health page
    # for its connectors and admins (and a key with `health:read` acting as a connector);
    # the outreach list (names, and who seems isolated) for its connectors only.
    "neighbourhoods-create":             (404, 404, 404, 404, 404, 201, 403, 403, 401, 401),
    "neighbourhoods-read":               (200, 200, 200, 200, 200, 200, 403, 403, 401, 401),
    "neighbourhoods-appoint-connector":  (404, 404, 404, 404, 404, 204, 403, 403, 401, 401),
    "neighbourhoods-remove-connector":   (404, 404, 404, 404, 404, 204, 403, 403, 401, 401),
    "neighbourhoods-health":             (404, 404, 404, 200, 404, 200, 200, 403, 401, 401),
    "neighbourhoods-outreach":           (404, 404, 404, 200, 404, 404, 403, 403, 401, 401),
    # Integrations: admins only, invisible to everyone else.
    "api-keys-issue":                    (404, 404, 404, 404, 404, 201, 403, 403, 401, 401),
    "api-keys-list-keys":                (404, 404, 404, 404, 404, 200, 403, 403, 401, 401),
    "api-keys-revoke":                   (404, 404, 404, 404, 404, 204, 403, 403, 401, 401),
    "webhooks-create":                   (404, 404, 404, 404, 404, 201, 403, 403, 401, 401),
    "webhooks-list-webhooks":            (404, 404, 404, 404, 404, 200, 403, 403, 401, 401),
    "webhooks-remove":                   (404, 404, 404, 404, 404, 204, 403, 403, 401, 401),
    "webhooks-deliveries":               (404, 404, 404, 404, 404, 200, 403, 403, 401, 401),
}
# fmt: on


Json = Callable[["World"], Any]


@dataclass(frozen=True)
class Call:
    """How to call an operation: which of the world's objects fill the path (beyond the
    defaults in `World.path_defaults`), and a body valid for the owner."""

    path: dict[str, str] = field(default_factory=dict)  # parameter -> name in World.ids
    json: Json | None = None
    form: Json | None = None
    query: dict[str, str] = field(default_factory=dict)
    if_match: bool = False
    scope: Scope | None = None  # what an API key needs here, if keys may call it at all
    key_as: str = "owner"  # whose account the API keys act as
    stream: bool = False  # an endless event stream: read its status, then hang up


def _ids(w: "World", *names: str) -> list[str]:
    return [w.ids[name] for name in names]


CALLS: dict[str, Call] = {
    "ops-healthz": Call(),
    "ops-readyz": Call(),
    "ops-metrics": Call(),
    "categories-list-all": Call(),
    "auth-register": Call(
        json=lambda w: {
            "email": "newcomer@example.org",
            "password": "plum-orchard-lantern-42",
            "display_name": "Newcomer",
            "home": HOME,
        }
    ),
    "auth-token": Call(form=lambda w: {"username": w.owner.email, "password": w.owner.password}),
    "auth-refresh": Call(json=lambda w: {"refresh_token": w.owner.refresh_token}),
    "auth-logout": Call(json=lambda w: {"refresh_token": w.owner.refresh_token}),
    "events-calendar-feed": Call(),
    "me-read": Call(),
    "me-update": Call(json=lambda w: {"bio": "Keen gardener, slow runner."}),
    "me-circle": Call(),
    "me-export": Call(),
    "me-erase": Call(),
    "matches-disclosures": Call(),
    "events-rotate-calendar-feed": Call(),
    "events-stop-calendar-feed": Call(),
    "sync-changes": Call(),
    "notifications-inbox": Call(),
    "notifications-stream": Call(stream=True),
    "notifications-mark-read": Call(),
    "devices-register": Call(json=lambda w: {"platform": "android", "push_token": "fcm-token-9"}),
    "devices-list-devices": Call(),
    "devices-forget": Call(),
    "residents-read-profile": Call(path={"resident_id": "owner"}),
    "offers-create": Call(json=lambda w: {"category": "lifts", "title": "Lifts to the station"}),
    "offers-list-nearby": Call(scope=Scope.offers_read),
    "offers-read": Call(scope=Scope.offers_read),
    "offers-update": Call(json=lambda w: {"title": "Shopping on Saturdays"}, if_match=True),
    "offers-withdraw": Call(if_match=True),
    "requests-create": Call(
        json=lambda w: {"category": "shopping", "title": "Milk and bread"},
        scope=Scope.requests_write,
    ),
    "requests-list-nearby": Call(scope=Scope.requests_read),
    "requests-read": Call(scope=Scope.requests_read),
    "requests-update": Call(
        json=lambda w: {"title": "Milk, bread and eggs"},
        if_match=True,
        scope=Scope.requests_write,
    ),
    "requests-cancel": Call(if_match=True, scope=Scope.requests_write),
    "requests-candidates": Call(),
    "matches-propose": Call(json=lambda w: {"helper_id": w.ids["candidate"]}),
    "matches-list-matches": Call(),
    "matches-read": Call(),
    "matches-accept": Call(
        path={"match_id": "match_proposed_to_owner"}, json=lambda w: {"contact": "07700 900123"}
    ),
    "matches-decline": Call(path={"match_id": "match_proposed_to_owner"}),
    "matches-confirm": Call(
        path={"match_id": "accepted_match"},
        json=lambda w: {"contact": "Flat 2 buzzer", "meeting_note": "Blue door, 2 pm"},
    ),
    "matches-complete": Call(),
    "matches-cancel": Call(),
    "matches-thank": Call(
        path={"match_id": "completed_match"}, json=lambda w: {"message": "Thank you so much!"}
    ),
    "matches-feedback": Call(
        path={"match_id": "completed_match"}, json=lambda w: {"feeling": "went_well"}
    ),
    "alerts-mine": Call(),
    "alerts-decline": Call(),
    "welfare-sign-up": Call(json=lambda w: {"by": "app", "help_category": "prescriptions"}),
    "welfare-read-signup": Call(),
    "welfare-leave": Call(),
    "welfare-read-check": Call(),
    "welfare-answer": Call(json=lambda w: {"answer": "fine"}),
    "trust-ask-to-connect": Call(json=lambda w: {"resident_id": w.ids["stranger"]}),
    "trust-list-connections": Call(),
    "trust-accept-connection": Call(path={"connection_id": "ask_to_owner"}),
    "trust-decline-connection": Call(path={"connection_id": "ask_to_owner"}),
    "trust-end-connection": Call(),
    "trust-vouch": Call(json=lambda w: {"resident_id": w.ids["stranger"]}),
    "trust-list-vouches": Call(),
    "trust-revoke-vouch": Call(),
    "trust-block": Call(json=lambda w: {"resident_id": w.ids["stranger"]}),
    "trust-list-blocks": Call(),
    "trust-unblock": Call(path={"resident_id": "blocked"}),
    "events-create": Call(json=lambda w: _supper(title="Soup and a story", day="2027-03-18")),
    "events-list-occurrences": Call(scope=Scope.events_read),
    "events-read": Call(scope=Scope.events_read),
    "events-event-calendar": Call(),
    "events-update": Call(json=lambda w: {"title": "Tuesday supper, upstairs"}, if_match=True),
    "events-cancel": Call(),
    "events-cancel-occurrence": Call(path={"occurrence": "next_supper"}),
    "events-move-occurrence": Call(
        path={"occurrence": "next_supper"},
        json=lambda w: {"starts_at": "2027-03-17T18:00:00", "ends_at": "2027-03-17T20:00:00"},
    ),
    "events-rsvp": Call(json=lambda w: {"occurrence": SUPPER_DAY, "answer": "going"}),
    "events-attendees": Call(query={"occurrence": SUPPER_DAY}),
    "events-check-in-code": Call(query={"occurrence": SUPPER_DAY}),
    "events-check-in": Call(json=lambda w: {"occurrence": SUPPER_DAY, "code": w.check_in_code}),
    "events-list-check-ins": Call(query={"occurrence": SUPPER_DAY}),
    "events-keep-in-touch": Call(
        json=lambda w: {"occurrence": SUPPER_DAY, "resident_ids": _ids(w, "friend")}
    ),
    "events-list-hosts": Call(),
    "events-invite-host": Call(json=lambda w: {"resident_id": w.ids["helped_once"]}),
    "events-accept-hosting": Call(path={"event_id": "friends_event"}),
    "events-remove-host": Call(path={"resident_id": "friend"}),
    "reports-raise-report": Call(
        json=lambda w: {
            "subject_type": "resident",
            "subject_id": w.ids["stranger"],
            "reason": "harassment",
        }
    ),
    "reports-list-reports": Call(),
    "reports-resolve-report": Call(json=lambda w: {"action": "Spoke to both; resolved."}),
    "moderation-queue": Call(),
    "moderation-approve-match": Call(
        path={"match_id": "match_for_review"}, json=lambda w: {"reason": "We know the helper."}
    ),
    "moderation-reject-match": Call(
        path={"match_id": "match_for_review"}, json=lambda w: {"reason": "Not a good fit."}
    ),
    "residents-record-verification": Call(
        path={"resident_id": "owner"},
        json=lambda w: {"kind": "id_checked", "issued_on": "2027-03-01"},
    ),
    "residents-suspend": Call(
        path={"resident_id": "owner"}, json=lambda w: {"reason": "Reports of harassment."}
    ),
    "residents-reinstate": Call(
        path={"resident_id": "suspended"}, json=lambda w: {"reason": "Talked it through."}
    ),
    "audit-list-entries": Call(),
    "assisted-register": Call(
        json=lambda w: {
            "display_name": "Mr Len Hart",
            "address": "3 Church Lane",
            "consent": {"given_by": "himself, in person", "how": "in_person"},
            "contact_preference": "visit",
        }
    ),
    "assisted-list-assisted": Call(),
    "assisted-ask-for-help": Call(
        path={"resident_id": "assisted"},
        json=lambda w: {"category": "shopping", "title": "A weekly shop"},
    ),
    "assisted-their-matches": Call(path={"resident_id": "assisted"}),
    "assisted-check-on-them": Call(path={"resident_id": "assisted"}, json=lambda w: {}),
    "assisted-take-step": Call(
        path={"resident_id": "assisted", "match_id": "assisted_match", "step": "decline"},
        json=lambda w: {},
    ),
    "crisis-plan": Call(),
    "crisis-read-plan": Call(),
    "crisis-plan-pairs": Call(),
    "crisis-commit-plan": Call(),
    "crisis-start": Call(
        path={"neighbourhood_id": "far_neighbourhood"},
        json=lambda w: {"reason": "Power cut", "ends_at": "2027-03-10T12:00:00Z"},
    ),
    "crisis-current": Call(),
    "crisis-stop": Call(),
    "neighbourhoods-create": Call(
        json=lambda w: {"name": "Easton", "lat": NEAR["lat"], "lon": NEAR["lon"], "radius_m": 800}
    ),
    "neighbourhoods-read": Call(),
    "neighbourhoods-appoint-connector": Call(path={"resident_id": "neighbour"}),
    "neighbourhoods-remove-connector": Call(path={"resident_id": "connector"}),
    "neighbourhoods-health": Call(scope=Scope.health_read, key_as="connector"),
    "neighbourhoods-outreach": Call(),
    "api-keys-issue": Call(
        json=lambda w: {"name": "Rota", "resident_id": w.ids["owner"], "scopes": ["offers:read"]}
    ),
    "api-keys-list-keys": Call(),
    "api-keys-revoke": Call(),
    "webhooks-create": Call(
        json=lambda w: {"url": "https://hooks.example.org/kith", "event_types": ["match.proposed"]}
    ),
    "webhooks-list-webhooks": Call(),
    "webhooks-remove": Call(),
    "webhooks-deliveries": Call(),
}


def _supper(title: str = "Tuesday supper", day: str = SUPPER_DAY) -> dict[str, object]:
    return {
        "kind": "meal",
        "title": title,
        "venue": {"name": "St Mary's hall", "address": "1 Church Lane", **NEAR},
        "starts_at": f"{day}T18:00:00",  # local to Europe/London
        "ends_at": f"{day}T20:00:00",
        "rrule": "FREQ=WEEKLY",
        "capacity": 30,
    }


@dataclass
class World:
    accounts: dict[Caller, Account]
    ids: dict[str, str]
    # (whose account, the one scope left out or None for every scope) -> the key
    keys: dict[tuple[str, Scope | None], str]
    check_in_code: str

    @property
    def owner(self) -> Account:
        return self.accounts[Caller.owner]

    path_defaults: ClassVar[dict[str, str]] = {
        "offer_id": "offer",
        "request_id": "request",
        "match_id": "confirmed_match",
        "event_id": "event",
        "occurrence": "supper",
        "connection_id": "friendship",
        "vouch_id": "vouch",
        "notification_id": "notification",
        "device_id": "device",
        "report_id": "report",
        "neighbourhood_id": "neighbourhood",
        "plan_id": "plan",
        "token": "calendar_token",
        "webhook_id": "webhook",
        "key_id": "spare_key",
        "alert_id": "owner_alert",
        "check_id": "owner_welfare_check",
    }

    def headers(self, caller: Caller, call: Call) -> dict[str, str]:
        if caller == Caller.anonymous:
            return {}
        if caller in (Caller.key, Caller.keyless):
            left_out = call.scope if caller == Caller.keyless else None
            return {"X-API-Key": self.keys[(call.key_as, left_out)]}
        return self.accounts[caller].headers

    def url(self, template: str, call: Call) -> str:
        names = self.path_defaults | call.path
        filled = template
        for parameter in _parameters(template):
            name = names[parameter]  # a KeyError here: say which object fills it
            filled = filled.replace("{" + parameter + "}", self.ids.get(name, name))
        return filled


def _parameters(template: str) -> list[str]:
    return [part.split("}")[0] for part in template.split("{")[1:]]


def _operations(app: FastAPI) -> Iterator[tuple[str, str, str]]:
    """(operation id, method, path template) for every operation the app serves."""
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            yield operation["operationId"], method.upper(), path


# Thousands of requests a minute, from one address, as a few residents.
UNLIMITED = RateLimitSettings(**dict.fromkeys(RateLimitSettings.model_fields, "1000000/minute"))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(
        database_url, rate_limits=UNLIMITED, webhook_allowed_hosts="hooks.example.org"
    )


class OneCellGeocoder:
    """Stands in for Nominatim: every address is in the cell around HOME."""

    async def cell_of(self, address: str, resolution: int) -> str:
        return str(h3.latlng_to_cell(HOME["lat"], HOME["lon"], resolution))


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_matrix_names_every_operation(app: FastAPI) -> None:
    served = {operation_id for operation_id, _, _ in _operations(app)}

    assert sorted(served - EXPECTED.keys()) == [], "operations nobody decided who may call"
    assert sorted(EXPECTED.keys() - served) == [], "rows for operations that are gone"
    assert EXPECTED.keys() == CALLS.keys()
    assert all(len(row) == len(CALLERS) for row in EXPECTED.values())


# Placeholders that pass each path parameter's own validation.
ANY_PATH_VALUE = {"occurrence": SUPPER_DAY, "token": "a" * 32, "step": "accept"}


async def test_nobody_gets_past_the_door_without_signing_in(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Who is asking is checked first: an anonymous call to any operation that needs a
    sign-in is 401, whatever else is missing (a body, a query, an If-Match header)."""
    answers = {}
    for path, methods in app.openapi()["paths"].items():
        for method, operation in methods.items():
            if not operation.get("security"):
                continue
            url = path
            for parameter in _parameters(path):
                value = ANY_PATH_VALUE.get(parameter, str(uuid.uuid4()))
                url = url.replace("{" + parameter + "}", value)
            response = await client.request(method.upper(), url)
            answers[operation["operationId"]] = response.status_code

    assert {op: status for op, status in answers.items() if status != 401} == {}
    # The operations that declare a sign-in are those the matrix closes to anonymous callers.
    assert answers.keys() == {op for op, row in EXPECTED.items() if row[-1] == 401}


async def test_every_operation_answers_every_caller_as_designed(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    connection: AsyncConnection,
    frozen: None,
) -> None:
    app.state.geocoder = OneCellGeocoder()
    world = await _build(client, session)
    operations = sorted(_operations(app))
    assert {op for op, _, _ in operations} == EXPECTED.keys()  # as the test above says

    wrong: list[str] = []
    checked = 0
    for operation_id, method, template in operations:
        call = CALLS[operation_id]
        url = world.url(template, call)
        for caller, expected in zip(CALLERS, EXPECTED[operation_id], strict=True):
            savepoint = await connection.begin_nested()
            try:
                status, detail = await _call(app, client, world, caller, call, method, url)
            finally:
                await savepoint.rollback()
            checked += 1
            if status != expected:
                wrong.append(f"{operation_id} as {caller}: {status}, not {expected} ({detail})")
            elif status == 403 and caller == Caller.keyless and call.scope is not None:
                if call.scope.value not in detail:
                    wrong.append(f"{operation_id} as {caller}: 403 without naming the scope")

    assert wrong == [], "\n".join(wrong)
    assert checked == len(EXPECTED) * len(CALLERS)


async def _call(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    caller: Caller,
    call: Call,
    method: str,
    url: str,
) -> tuple[int, str]:
    headers = world.headers(caller, call)
    if call.if_match:
        headers = headers | {"If-Match": "*"}
    if call.stream:
        return await _stream_status(app, url, headers), ""
    response = await client.request(
        method,
        url,
        headers=headers,
        params=call.query,
        json=call.json(world) if call.json else None,
        data=call.form(world) if call.form else None,
    )
    problem = response.headers.get("content-type", "").startswith("application/problem+json")
    return response.status_code, response.json().get("detail", "") if problem else ""


async def _stream_status(app: FastAPI, url: str, headers: dict[str, str]) -> int:
    """The status an endless stream starts with; then the client goes away, which ends it.
    (httpx's ASGI transport waits for a response to end before returning it.)"""
    status = 0
    hung_up = anyio.Event()
    asked = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await hung_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            # A stream's first words come after its first read: hanging up sooner would
            # cancel that read on the test's one connection.
            hung_up.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": url,
        "raw_path": url.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    with anyio.fail_after(10):
        await app(scope, receive, send)
    return status


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def _build(client: httpx.AsyncClient, session: AsyncSession) -> World:
    """The owner's world, made through the API as residents would make it."""
    admin = await register(client, display_name="Ada", home=FAR)
    promoted = await session.get(Resident, admin.id)
    assert promoted is not None
    promoted.is_admin = True
    session.add(promoted)
    await session.commit()

    def as_(who: Account) -> dict[str, str]:
        return who.headers

    async def post(who: Account, url: str, body: object = None, status: int = 201) -> Any:
        return await _ok(await client.post(url, headers=as_(who), json=body), status)

    here = await post(admin, "/v1/neighbourhoods", {"name": "Old Market", **HOME, "radius_m": 2000})
    there = await post(admin, "/v1/neighbourhoods", {"name": "Far Hill", **FAR, "radius_m": 2000})

    owner = await register(client, display_name="Olive")
    neighbour = await register(client, display_name="Oscar")
    blocked = await register(client, display_name="Bea")
    connector = await register(client, display_name="Connie")
    elsewhere = await register(client, display_name="Ezra", home=FAR)
    suspended = await register(client, display_name="Sam")
    friend = await register(client, display_name="Fran")  # connected; co-hosts; met
    asker = await register(client, display_name="Ash")  # asks the owner to connect
    stranger = await register(client, display_name="Tess")  # asked, vouched, reported
    rita = await register(client, display_name="Rita")  # asks the owner to help
    hal = await register(client, display_name="Hal")  # volunteers: accepted
    hana = await register(client, display_name="Hana")  # confirmed
    hugo = await register(client, display_name="Hugo")  # completed
    pia = await register(client, display_name="Pia")  # personal help: waits for review
    cal = await register(client, display_name="Cal")  # a candidate with an offer
    for who, area in ((connector, here), (elsewhere, there)):
        appointed = await client.put(
            f"/v1/neighbourhoods/{area['id']}/connectors/{who.id}", headers=as_(admin)
        )
        await _ok(appointed, 204)

    offer = await post(owner, "/v1/offers", {"category": "shopping", "title": "Big shop runs"})
    await post(cal, "/v1/offers", {"category": "shopping", "title": "Shopping by bike"})

    async def request(who: Account, category: str = "shopping") -> str:
        made = await post(who, "/v1/requests", {"category": category, "title": "Help, please"})
        return str(made["id"])

    async def volunteer(helper: Account, request_id: str) -> str:
        made = await post(helper, f"/v1/requests/{request_id}/matches", {})
        return str(made["id"])

    async def step(who: Account, match_id: str, name: str, body: object = None) -> None:
        await post(who, f"/v1/matches/{match_id}/{name}", body or {}, 200)

    main_request = await request(owner)
    rita_request = await request(rita)
    proposed = await post(
        rita, f"/v1/requests/{rita_request}/matches", {"helper_id": str(owner.id)}
    )
    accepted = await volunteer(hal, await request(owner))
    confirmed = await volunteer(hana, await request(owner))
    await step(owner, confirmed, "confirm", {"contact": "07700 900456"})
    completed = await volunteer(hugo, await request(owner))
    await step(owner, completed, "confirm", {"contact": "07700 900789"})
    await step(owner, completed, "complete")
    for_review = await volunteer(pia, await request(owner, "befriending_visits"))

    friendship = await connect(client, owner, friend)
    ask = await post(asker, "/v1/connections", {"resident_id": str(owner.id)})
    vouch = await post(owner, "/v1/vouches", {"resident_id": str(friend.id)})
    await post(owner, "/v1/blocks", {"resident_id": str(blocked.id)})
    device = await post(owner, "/v1/devices", {"platform": "ios", "push_token": "apns-token-1"})
    report = await post(
        owner,
        "/v1/reports",
        {"subject_type": "resident", "subject_id": str(stranger.id), "reason": "scam"},
    )
    feed = await post(owner, "/v1/me/calendar-feed")

    event = await post(owner, "/v1/events", _supper())
    code = await _ok(
        await client.get(
            f"/v1/events/{event['id']}/check-in-code",
            headers=as_(owner),
            params={"occurrence": SUPPER_DAY},
        )
    )
    for who in (owner, friend):
        await post(
            who,
            f"/v1/events/{event['id']}/check-ins",
            {"occurrence": SUPPER_DAY, "code": code["code"]},
            200,
        )
    await post(owner, f"/v1/events/{event['id']}/hosts", {"resident_id": str(friend.id)}, 200)
    friends_event = await post(friend, "/v1/events", _supper(title="Repair café", day="2027-03-13"))
    await post(
        friend, f"/v1/events/{friends_event['id']}/hosts", {"resident_id": str(owner.id)}, 200
    )

    assisted = await post(
        connector,
        "/v1/assisted-residents",
        {
            "display_name": "Mrs Ada Price",
            "address": "1 Church Lane",
            "consent": {"given_by": "herself, by phone", "how": "phone"},
            "contact_preference": "phone",
        },
    )
    for_assisted = await post(
        connector,
        f"/v1/assisted-residents/{assisted['id']}/requests",
        {"category": "shopping", "title": "A weekly shop"},
    )
    assisted_match = await volunteer(cal, str(for_assisted["id"]))
    plan = await post(connector, f"/v1/neighbourhoods/{here['id']}/assignments")
    await post(connector, f"/v1/residents/{suspended.id}/suspend", {"reason": "Threats."}, 200)

    webhook = await post(
        admin,
        "/v1/webhooks",
        {"url": "https://hooks.example.org/kith", "event_types": ["request.created"]},
    )
    keys: dict[tuple[str, Scope | None], str] = {}
    for whose, account in (("owner", owner), ("connector", connector)):
        for left_out in (None, *Scope):
            scopes = [scope.value for scope in Scope if scope != left_out]
            issued = await post(
                admin,
                "/v1/api-keys",
                {"name": f"{whose} key", "resident_id": str(account.id), "scopes": scopes},
            )
            keys[(whose, left_out)] = issued["key"]
    spare = await post(
        admin,
        "/v1/api-keys",
        {"name": "Spare", "resident_id": str(owner.id), "scopes": ["events:read"]},
    )
    inbox = await _ok(await client.get("/v1/notifications", headers=as_(owner)))
    owners_alerts = await _ok(await client.get("/v1/alerts", headers=as_(owner)))
    # Last, so that nothing above happens in crisis mode: the owner asked to be checked on.
    await _ok(await client.put("/v1/me/welfare-check", headers=as_(owner), json={}))
    crisis = {"reason": "Flooding", "ends_at": "2027-03-10T12:00:00Z"}
    await post(connector, f"/v1/neighbourhoods/{here['id']}/crisis", crisis)
    asked = await _ok(await client.get("/v1/notifications", headers=as_(owner)))
    (welfare_check,) = [
        n["data"]["check_id"] for n in asked["items"] if n["kind"] == "welfare_check"
    ]

    accounts = {
        Caller.owner: owner,
        Caller.neighbour: neighbour,
        Caller.blocked: blocked,
        Caller.connector: connector,
        Caller.elsewhere: elsewhere,
        Caller.admin: admin,
        Caller.suspended: suspended,
    }
    ids = {
        "owner": owner.id,
        "neighbour": neighbour.id,
        "blocked": blocked.id,
        "connector": connector.id,
        "suspended": suspended.id,
        "friend": friend.id,
        "stranger": stranger.id,
        "helped_once": hugo.id,
        "candidate": cal.id,
        "offer": offer["id"],
        "request": main_request,
        "match_proposed_to_owner": proposed["id"],
        "accepted_match": accepted,
        "confirmed_match": confirmed,
        "completed_match": completed,
        "match_for_review": for_review,
        "friendship": friendship,
        "ask_to_owner": ask["id"],
        "vouch": vouch["id"],
        "device": device["id"],
        "report": report["id"],
        "calendar_token": feed["path"].removeprefix("/v1/calendar/").removesuffix(".ics"),
        "event": event["id"],
        "supper": SUPPER_DAY,
        "next_supper": NEXT_SUPPER_DAY,
        "friends_event": friends_event["id"],
        "assisted": assisted["id"],
        "assisted_match": assisted_match,
        "neighbourhood": here["id"],
        "far_neighbourhood": there["id"],
        "owner_alert": owners_alerts["items"][0]["id"],
        "owner_welfare_check": welfare_check,
        "plan": plan["id"],
        "webhook": webhook["id"],
        "spare_key": spare["id"],
        "notification": inbox["items"][0]["id"],
    }
    return World(
        accounts=accounts,
        ids={name: str(value) for name, value in ids.items()},
        keys=keys,
        check_in_code=code["code"],
    )
