"""Which local addresses a port is listening on, read from /proc (what a bind really did, whatever it printed)."""

from __future__ import annotations

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
