"""An integrator's view: a Python client generated from openapi/openapi.json with
openapi-python-client drives a whole journey against a real `kith serve`: register, offer,
request, candidates, match, accept, confirm, complete."""

import importlib
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from api.openapi import OPENAPI_PATH
from tests.e2e.conftest import Server

GENERATOR = str(Path(sys.executable).parent / "openapi-python-client")
TOTNES = {"lat": 50.4316, "lon": -3.6851}
PASSWORD = "marsh-lantern-quiver-58"


def _generate(workdir: Path) -> str:
    package = f"kith_client_{uuid.uuid4().hex[:8]}"
    config = workdir / "generator.yaml"
    config.write_text("post_hooks: []\n")  # no formatter needed to import it
    done = subprocess.run(
        [GENERATOR, "generate", "--path", str(OPENAPI_PATH), "--meta", "none",
         "--output-path", str(workdir / package), "--config", str(config)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return package


def _module(package: str, path: str) -> ModuleType:
    return importlib.import_module(f"{package}.{path}")


def _signed_in(package: str, url: str, name: str) -> Any:
    models = _module(package, "models")
    client_module = _module(package, "client")
    anonymous = client_module.Client(base_url=url)
    email = f"gen-{name.lower()}-{uuid.uuid4().hex[:6]}@example.org"
    registered = _module(package, "api.auth.auth_register").sync(
        client=anonymous,
        body=models.ResidentCreate.from_dict(
            {"email": email, "password": PASSWORD, "display_name": name, "home": TOTNES}
        ),
    )
    assert isinstance(registered, models.MePublic), registered
    tokens = _module(package, "api.auth.auth_token").sync(
        client=anonymous,
        body=models.PasswordForm.from_dict({"username": email, "password": PASSWORD}),
    )
    assert isinstance(tokens, models.TokenPair), tokens
    return client_module.AuthenticatedClient(base_url=url, token=tokens.access_token), registered


def test_a_generated_client_drives_a_whole_journey(server: Server, tmp_path: Path) -> None:
    package = _generate(tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        models = _module(package, "models")
        helper, helper_me = _signed_in(package, server.url, "Helper")
        asker, _ = _signed_in(package, server.url, "Asker")

        offer = _module(package, "api.offers.offers_create").sync(
            client=helper,
            body=models.OfferCreate.from_dict(
                {"category": "shopping", "title": "Big shop Fridays"}
            ),
        )
        request = _module(package, "api.requests.requests_create").sync(
            client=asker,
            body=models.HelpRequestCreate.from_dict({"category": "shopping", "title": "Groceries"}),
        )
        candidates = _module(package, "api.requests.requests_candidates").sync(
            request.id, client=asker, limit=100
        )
        match = _module(package, "api.matches.matches_propose").sync(
            request.id,
            client=asker,
            body=models.MatchCreate.from_dict({"helper_id": str(helper_me.id)}),
        )
        accepted = _module(package, "api.matches.matches_accept").sync(
            match.id, client=helper, body=models.MatchAccept.from_dict({"contact": "07700 900555"})
        )
        confirmed = _module(package, "api.matches.matches_confirm").sync(
            match.id,
            client=asker,
            body=models.MatchConfirm.from_dict({"meeting_note": "Blue door"}),
        )
        completed = _module(package, "api.matches.matches_complete").sync(match.id, client=helper)
    finally:
        sys.path.remove(str(tmp_path))

    assert isinstance(offer, models.OfferPublic), offer
    assert helper_me.id in [c.helper.id for c in candidates.items]
    assert isinstance(match, models.MatchPublic), match
    assert str(accepted.status) == "accepted"
    assert confirmed.shared.contact == "07700 900555"
    assert str(completed.status) == "completed"
