"""Where ``workbench serve`` may send requests on a client's behalf: starting-image URLs and webhooks.

A server that fetches any URL it is handed can be made to read the machine's cloud metadata, services on its
loopback interface or the team's private network, and to hand what it read back (a starting image comes back
as frames of a video; errors that differ tell open ports from closed ones). So, before every connection —
the first and every redirect — the host is resolved and *every* address it resolves to must be public
(:func:`ipaddress.ip_address(...).is_global`, which excludes private, loopback, link-local — where the
metadata services live — shared, reserved and multicast ranges; IPv4 inside IPv6 is unwrapped first). The
connection then goes to the address that was checked (the name is not resolved again), with the original
``Host`` and TLS server name, so a DNS answer that changes in between cannot redirect it. A trusted LAN is
opened explicitly with an allow-list (``--allow-fetch-from 10.1.0.0/16``, ``--allow-fetch-from nas.lan:8080``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["AllowEntry", "Destination", "DestinationPolicy", "RefusedDestination"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class RefusedDestination(Exception):
    """The URL points somewhere this server will not connect to (``args[0]`` says why, without addresses)."""


@dataclass(frozen=True)
class AllowEntry:
    """A network (or one address, or a host name's addresses) that may be reached, on one port or any."""

    network: IPNetwork | None = None
    host: str | None = None
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> AllowEntry:
        """``10.0.0.0/8``, ``192.168.1.20:8080``, ``[fd00::1]:9000``, ``nas.lan``, ``nas.lan:8080``."""
        value = text.strip()
        port = None
        if value.startswith("["):
            address, _, rest = value[1:].partition("]")
            if rest.startswith(":"):
                port = _port(rest[1:], text)
            value = address
        elif value.count(":") == 1:
            value, _, port_text = value.partition(":")
            port = _port(port_text, text)
        try:
            return cls(network=ipaddress.ip_network(value, strict=False), port=port)
        except ValueError:
            pass
        if not value or any(c in value for c in "/ \\@"):
            raise ValueError(f"{text!r} is not a network, an address or a host name (with an optional :port)")
        return cls(host=value.lower().rstrip("."), port=port)

    def admits(self, host: str, address: IPAddress, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            return address in self.network
        return self.host == host.lower().rstrip(".")


def _port(text: str, whole: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{whole!r} has an invalid port")
    return int(text)


@dataclass(frozen=True)
class Destination:
    """A checked place to connect to: the URL to request (with the address in place of the name), and the
    ``Host`` header and TLS server name of the original URL."""

    url: str
    host_header: str
    server_name: str | None


@dataclass(frozen=True)
class DestinationPolicy:
    """Public addresses only, plus what ``allow`` names. ``schemes`` limits what may be fetched at all."""

    allow: tuple[AllowEntry, ...] = ()
    schemes: tuple[str, ...] = ("http", "https")

    @classmethod
    def from_strings(cls, entries: Sequence[str]) -> DestinationPolicy:
        return cls(tuple(AllowEntry.parse(entry) for entry in entries))

    def permits(self, host: str, address: IPAddress, port: int) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(entry.admits(host, address, port) for entry in self.allow):
            return True
        return address.is_global and not address.is_multicast

    async def resolve(self, url: str) -> Destination:
        """Check ``url`` and pin it to an address; :class:`RefusedDestination` if it may not be reached."""
        parts = urlsplit(url)
        if parts.scheme not in self.schemes:
            raise RefusedDestination(f"only {' and '.join(self.schemes)} URLs are fetched")
        host = parts.hostname
        if not host:
            raise RefusedDestination("the URL has no host")
        if parts.username or parts.password:
            raise RefusedDestination("URLs with credentials in them are not fetched")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise RefusedDestination("the URL has an invalid port") from None
        addresses = await _addresses(host, port)
        if not addresses:
            raise RefusedDestination("the host name does not resolve")
        if not all(self.permits(host, address, port) for address in addresses):
            raise RefusedDestination(
                "it points to a private, loopback, link-local or otherwise non-public address, which this "
                "server does not fetch from (its operator can allow a trusted network with --allow-fetch-from)"
            )
        chosen = addresses[0]
        shown = f"[{chosen}]" if chosen.version == 6 else str(chosen)
        netloc = f"{shown}:{port}"
        target = parts._replace(netloc=netloc).geturl()
        default_port = port == (443 if parts.scheme == "https" else 80)
        host_header = host if default_port else f"{host}:{port}"
        if ":" in host and not host.startswith("["):
            host_header = f"[{host}]" if default_port else f"[{host}]:{port}"
        return Destination(target, host_header, host if parts.scheme == "https" else None)


async def _addresses(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal, in any spelling ``inet_aton`` accepts, too)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    out: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in out:
            out.append(address)
    return out
