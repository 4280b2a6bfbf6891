"""Which URLs a webhook may POST to (OWASP API7, server-side request forgery).

`webhook_target(url)` parses the URL, resolves its host once and refuses it unless every
address is public. The delivery then connects to that checked address (the host name only goes
into the Host header and TLS SNI), so DNS that changes between the check and the connection
(rebinding) cannot redirect it. `settings.WEBHOOKS_ALLOW_PRIVATE` allows loopback and private
networks, for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from config.errors import DomainError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class WebhookUrlRefused(DomainError):
    pass


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    address: IPAddress  # the checked address the request goes to

    @property
    def request_url(self) -> httpx.URL:
        return self.url.copy_with(host=str(self.address))

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")

    @property
    def extensions(self) -> dict:
        # TLS still sends and verifies the host name, not the address.
        return {"sni_hostname": self.url.host} if self.url.scheme == "https" else {}


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address of `host` (tests replace this function, so they never query DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def webhook_target(url: str, *, allow_private: bool | None = None) -> Target:
    """Parse and check `url`; raise WebhookUrlRefused with the reason."""
    if allow_private is None:
        allow_private = getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False)
    parsed = _parse(url)
    addresses = _addresses(parsed)
    for address in addresses:
        reason = address_refusal(address, allow_private=allow_private)
        if reason:
            where = str(address) if parsed.host == str(address) else f"{parsed.host} ({address})"
            hint = ""
            if address_refusal(address, allow_private=True) is None:  # the setting would allow it
                hint = " " + _(
                    "To deliver to a receiver on this machine or your own network, start Engram"
                    " with WEBHOOKS_ALLOW_PRIVATE=true."
                )
            refused = _(
                "Webhook URL refused: %(where)s is %(reason)s; webhooks only go to public"
                " addresses."
            )
            raise WebhookUrlRefused(refused % {"where": where, "reason": reason} + hint)
    return Target(url=parsed, address=addresses[0])


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise WebhookUrlRefused(
            _("Webhook URL refused: not a valid URL (%(error)s).") % {"error": exc}
        ) from exc
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise WebhookUrlRefused(
            _("Webhook URL refused: the scheme %(scheme)s is not allowed; use http or https.")
            % {"scheme": repr(parsed.scheme or "(none)")}
        )
    if not parsed.host:
        raise WebhookUrlRefused(_("Webhook URL refused: it has no host."))
    return parsed


def _addresses(url: httpx.URL) -> list[IPAddress]:
    host = url.raw_host.decode("ascii")
    literal = _literal_address(host)
    if literal is not None:
        return [literal]
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, ValueError) as exc:  # UnicodeError is a ValueError: bad IDNA labels
        raise WebhookUrlRefused(
            _("Webhook URL refused: cannot resolve %(host)s (%(error)s).")
            % {"host": url.host, "error": exc}
        ) from exc
    if not addresses:
        raise WebhookUrlRefused(
            _("Webhook URL refused: %(host)s has no address.") % {"host": url.host}
        )
    return addresses


def _literal_address(host: str) -> IPAddress | None:
    """An address written in the URL, including the forms inet_aton reads (`2130706433`,
    `0x7f.1`, `127.1`), which some resolvers and clients accept."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def address_refusal(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why `address` may not be a webhook target, or None."""
    if address.is_unspecified:
        return _("an unspecified address")
    if address.is_multicast:
        return _("a multicast address")
    if allow_private:
        return None
    for embedded in _embedded_ipv4(address):
        reason = address_refusal(embedded, allow_private=False)
        if reason:
            return _("%(reason)s (%(address)s inside IPv6)") % {
                "reason": reason,
                "address": embedded,
            }
    checks = (
        (address.is_loopback, _("a loopback address")),
        (address.is_link_local, _("a link-local address (cloud metadata lives there)")),
        (address.version == 4 and address in CGNAT, _("a carrier-grade NAT address")),
        (address.is_reserved, _("a reserved address")),
        (address.is_private, _("a private address")),
        (not address.is_global, _("not a public address")),
    )
    return next((reason for refused, reason in checks if refused), None)


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 one reaches: mapped (::ffff:a.b.c.d), 6to4 and NAT64."""
    if address.version != 6:
        return []
    found = [address.ipv4_mapped, address.sixtofour]
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [embedded for embedded in found if embedded is not None]
