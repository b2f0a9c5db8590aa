"""Where webhooks may go: never to this machine, a private network or a cloud metadata
address (server-side request forgery), unless the operator names the host in
`WEBHOOK_ALLOWED_HOSTS`; and over https, except to those named hosts outside production."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import anyio

from services.errors import InvalidInput


@dataclass(frozen=True)
class WebhookPolicy:
    allowed_hosts: frozenset[str] = frozenset()
    production: bool = False


class RefusedAddress(Exception):
    """The URL's host resolves somewhere webhooks must not go."""


def _host(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("The URL must be http(s)://host/...", field=("url",))
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname.lower(), port


async def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    infos = await anyio.to_thread.run_sync(
        lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    )
    return [ipaddress.ip_address(info[4][0]) for info in infos]


async def check(url: str, policy: WebhookPolicy) -> None:
    """Raises RefusedAddress if the host (now) resolves to a non-public address. Run when
    an endpoint is made and again before each delivery, since DNS can change between."""
    _, host, port = _host(url)
    if host in policy.allowed_hosts:
        return
    try:
        addresses = await _addresses(host, port)
    except OSError as exc:
        raise RefusedAddress(f"{host} does not resolve") from exc
    for address in addresses:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        if not address.is_global:  # loopback, private, link-local (metadata), reserved...
            raise RefusedAddress(f"{host} resolves to a non-public address")


async def validate(url: str, policy: WebhookPolicy) -> str:
    scheme, host, _ = _host(url)
    named = host in policy.allowed_hosts
    if scheme != "https" and (policy.production or not named):
        raise InvalidInput("Webhook URLs must use https.", field=("url",))
    try:
        await check(url, policy)
    except RefusedAddress as exc:
        raise InvalidInput(f"Webhooks cannot go to that address ({exc}).", field=("url",)) from exc
    return url
