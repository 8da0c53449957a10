"""The worker's HTTP endpoint: ``/metrics`` for Prometheus, ``/healthz`` and ``/readyz`` for probes.

Why not prometheus-client's own server: it answers every path with metrics, so a probe pointed at it
always passes. Here ``/healthz`` says the process serves requests (liveness: restart it when this
fails), and ``/readyz`` answers 200 only once the model is loaded, the producer is connected and the
consumer has partitions (readiness: a rollout waits for it); otherwise 503 with what is missing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

_CONDITIONS = ("model_loaded", "producer_connected", "consumer_assigned")


@dataclass
class Health:
    """Readiness conditions, set by the worker as it starts (and cleared when a connection is lost)."""

    model_loaded: bool = False
    producer_connected: bool = False
    consumer_assigned: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, condition: str, value: bool = True) -> None:
        if condition not in _CONDITIONS:
            raise ValueError(f"unknown readiness condition {condition!r}")
        with self._lock:
            setattr(self, condition, value)

    def missing(self) -> list[str]:
        with self._lock:
            return [name for name in _CONDITIONS if not getattr(self, name)]


def serve(health: Health, registry: CollectorRegistry, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start the endpoint in a daemon thread; returns the server (its ``server_port`` when ``port`` is 0)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._reply(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                self._reply(200, b"ok\n")
            elif path == "/readyz":
                missing = health.missing()
                if missing:
                    self._reply(503, f"not ready: {', '.join(missing)}\n".encode())
                else:
                    self._reply(200, b"ready\n")
            else:
                self._reply(404, b"not found: /metrics, /healthz, /readyz\n")

        def _reply(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # probes every few seconds: no access log
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="guardstream-http", daemon=True).start()
    return server
