"""Which Host headers the dev server answers, and whether it listens on loopback only.

A web page on another site can make its own name resolve to 127.0.0.1 (DNS rebinding) and
then read the dev server as if it were of its origin. Its requests carry its name in the
Host header, so the server answers only requests that name the address it listens on,
or a loopback name, with its port.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_EVERY_ADDRESS = ("", "0.0.0.0", "::")  # noqa: S104 - names of the wildcard bind, not a bind


@dataclass(frozen=True)
class HostCheck:
    names: frozenset[str]  # "host:port" and "host", lower case
    port: int
    any_ip: bool  # listening on every address: any IP address with the port is this machine

    def allows(self, header: str) -> bool:
        host = header.strip().lower()
        return host in self.names or (self.any_ip and _ip_with_port(host, self.port))


def host_check(bind: str, port: int) -> HostCheck:
    """The Host headers a server bound to `bind`:`port` answers."""
    shown = f"[{bind}]" if ":" in bind else bind
    hosts = {*LOOPBACK_NAMES, shown.lower()}
    # Without a port too: a name that cannot be rebound is as safe without it (and a
    # browser leaves out port 80).
    names = {f"{h}:{port}" for h in hosts} | hosts
    return HostCheck(frozenset(names), port, bind in _EVERY_ADDRESS)


def _ip_with_port(host: str, port: int) -> bool:
    """True for an IP address (a name can be rebound; an address cannot), with `port` or
    without one."""
    name = host
    if host.startswith("["):  # [v6] or [v6]:port
        name, _, rest = host[1:].partition("]")
        if rest not in ("", f":{port}"):
            return False
    elif host.count(":") == 1:  # v4:port
        name, _, given = host.partition(":")
        if given != str(port):
            return False
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(bind: str) -> bool:
    """True when only this machine can reach an address (`localhost`, 127.0.0.0/8, ::1)."""
    if bind.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(bind.strip("[]")).is_loopback
    except ValueError:
        return False
