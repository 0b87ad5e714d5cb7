"""Loopback helpers for the server's tests and bench/api.py: which local addresses a port is listening on, read
from /proc (what a bind really did, whatever it printed), and one JSON request to a local server."""

from __future__ import annotations

import http.client
import json
from pathlib import Path


def listening_addresses(port: int) -> set[str]:
    """The local addresses (hex, as /proc/net shows them) of the sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def request(port: int, method: str, path: str, timeout: float = 120) -> tuple[int, dict]:  # type: ignore[type-arg]
    """(status, JSON body) of one request to the server on 127.0.0.1:`port`, on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()
