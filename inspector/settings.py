"""InspectorSettings: every bound and interval of the inspector, named, with a default."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

__all__ = ["InspectorSettings", "is_loopback"]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: the only hosts served without a token."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class InspectorSettings:
    """Args:
    host, port: where the server listens (127.0.0.1 by default).
    token: required on every request when set; mandatory for a non-loopback host.
    client_queue: events queued per stream client before the oldest are dropped (and counted).
    batch_interval_s: at most one stream frame per client per interval at high rates.
    max_batch: events per stream frame at most.
    ping_s: keep-alive comment interval on idle streams.
    send_timeout_s: a client that accepts no data for this long is disconnected.
    metrics_window: newest events per type used for the live metrics (bounds the stats cost).
    """

    host: str = "127.0.0.1"
    port: int = 8765
    token: str | None = None
    client_queue: int = 5_000
    batch_interval_s: float = 0.05
    max_batch: int = 1_000
    ping_s: float = 15.0
    send_timeout_s: float = 30.0
    metrics_window: int = 5_000

    def __post_init__(self) -> None:
        if not is_loopback(self.host) and not self.token:
            raise ValueError(f"host={self.host!r}: serving beyond this machine requires a token")
        for name in ("client_queue", "max_batch", "metrics_window"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name}={value!r}: must be a positive integer")
        if not 0 < self.batch_interval_s <= 5:
            raise ValueError(f"batch_interval_s={self.batch_interval_s!r}: must be in (0, 5]")
        if self.ping_s <= 0:
            raise ValueError(f"ping_s={self.ping_s!r}: must be > 0 (0 would ping continuously)")

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"
