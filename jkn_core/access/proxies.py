"""The client's address behind a reverse proxy: ``X-Forwarded-For`` believed only from trusted proxies.

The sign-in throttle locks per client address and the audit trail records it; behind a reverse proxy
the connection's address (the *peer*) is the proxy's, the same for every user. The environment
variable :data:`TRUSTED_PROXIES_ENV` (``JKN_TRUSTED_PROXIES``) lists the proxies whose
``X-Forwarded-For`` header is believed: addresses or networks (``10.0.0.5``, ``10.0.0.0/24``,
``::1``), separated by commas or spaces; **default none** (the header is ignored, whoever sends it).

:func:`client_address` applies it: when the peer is a trusted proxy, the header is read from the right
(each proxy appends the address it saw) past every trusted proxy, and the first address that is not a
trusted proxy is the client. A client cannot forge its way past this: whatever it writes into the
header stays to the left of what the first trusted proxy appended.

A loopback peer that is not trusted (a local connection, or a proxy on the same machine that is not
listed) reads as ``"unknown"``, which the throttle does not lock per address (one local user must not
lock out everybody behind the same proxy). Note that the web server under Streamlit (uvicorn) itself
already believes ``X-Forwarded-For`` from loopback peers (its ``FORWARDED_ALLOW_IPS``, default
``127.0.0.1,::1``) before the app sees the connection; docs/deploy.md says how the two fit together.
"""

from __future__ import annotations

import ipaddress
import os
import re
from functools import lru_cache

#: Environment variable listing the trusted reverse proxies (addresses or networks).
TRUSTED_PROXIES_ENV = "JKN_TRUSTED_PROXIES"
#: The address of a client whose address is not known (see :mod:`jkn_core.access.throttle`).
UNKNOWN = "unknown"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def parse_trusted(value: str) -> tuple[Network, ...]:
    """The networks of a ``JKN_TRUSTED_PROXIES`` value; ``ValueError`` names the first bad entry."""
    networks = []
    for item in (x for x in re.split(r"[\s,]+", value or "") if x):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{TRUSTED_PROXIES_ENV}: {item!r} is not an IP address or network") from None
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    """The trusted proxies configured in the environment (none when the variable is unset or empty)."""
    return parse_trusted(os.environ.get(TRUSTED_PROXIES_ENV, "").strip())


def _address(text: str | None) -> Address | None:
    """``text`` as an IP address (``1.2.3.4``, ``1.2.3.4:5678``, ``::1``, ``[::1]:80``), else ``None``."""
    text = (text or "").strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: Address, trusted: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in trusted)


def _shown(address: Address | None) -> str:
    return UNKNOWN if address is None or address.is_loopback else str(address)


def client_address(peer: str | None, forwarded_for: str | None,
                   trusted: tuple[Network, ...] | None = None) -> str:
    """The client's address for the throttle and the audit trail, or ``"unknown"``.

    ``peer``: the address of the connection (``None`` when not known); ``forwarded_for``: the
    ``X-Forwarded-For`` header (``None`` when absent; several headers joined by commas); ``trusted``:
    the trusted proxies (default: :func:`trusted_proxies`). The header counts only when the peer is
    trusted (see the module docstring); a malformed entry where the client should be reads as unknown.
    """
    trusted = trusted_proxies() if trusted is None else trusted
    address = _address(peer)
    if address is None or not forwarded_for or not trusted or not _trusted(address, trusted):
        return _shown(address)
    hops = [h for h in (x.strip() for x in forwarded_for.split(",")) if h]
    for hop in reversed(hops):
        hop_address = _address(hop)
        if hop_address is None:
            return UNKNOWN
        if not _trusted(hop_address, trusted):
            return _shown(hop_address)
        address = hop_address
    return _shown(address)  # every hop a trusted proxy: the first of them
