"""Prometheus metrics (``--metrics-port``): sessions, envs, calls, errors by code, step latency.

Served as Prometheus text on ``http://HOST:PORT/metrics`` by prometheus_client's own HTTP server
thread, from a private registry (so tests can run several servers in one process). Without
``--metrics-port`` nothing is imported and the hot path pays one ``is None`` test.

Names (all prefixed ``gymbridge_``):
  sessions               gauge      live sessions
  envs                   gauge      envs across live sessions
  session_events_total   counter    by event: created, closed, reaped, crashed
  calls_total            counter    by method (make, reset, step, render, close, ...) and code (OK, ...)
  errors_total           counter    by code (INVALID_ARGUMENT, ABORTED, ...) -- failed calls only
  steps_total            counter    env steps served (a batched step of n envs counts n)
  step_seconds           histogram  server-side time of one batched step call
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

STEP_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Metrics:
    """The server's metrics in a private prometheus_client registry."""

    def __init__(self, registry: Any) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.prom = CollectorRegistry()
        self.sessions = Gauge("gymbridge_sessions", "Live sessions", registry=self.prom)
        self.sessions.set_function(lambda: len(registry))
        self.envs = Gauge("gymbridge_envs", "Envs across live sessions", registry=self.prom)
        self.envs.set_function(registry.total_envs)
        self.session_events = Counter(
            "gymbridge_session_events", "Session events", ["event"], registry=self.prom
        )
        for event in ("created", "closed", "reaped", "crashed"):
            self.session_events.labels(event)  # export zeros from the start
        self.calls = Counter("gymbridge_calls", "Calls by method and status code", ["method", "code"], registry=self.prom)
        self.errors = Counter("gymbridge_errors", "Failed calls by status code", ["code"], registry=self.prom)
        self.steps = Counter("gymbridge_steps", "Env steps served (n per batched step of n envs)", registry=self.prom)
        self.step_seconds = Histogram(
            "gymbridge_step_seconds", "Server-side time of one batched step call", buckets=STEP_BUCKETS, registry=self.prom
        )
        self._server: Any = None
        self._thread: Any = None

    def on_session_event(self, event: str, _session: Any) -> None:
        self.session_events.labels(event).inc()

    def observe(self, method: str, code: str, seconds: float, num_envs: int = 0) -> None:
        """One finished call: its method, status code name ("OK" on success) and duration."""
        self.calls.labels(method, code).inc()
        if code != "OK":
            self.errors.labels(code).inc()
        elif method == "step":
            self.steps.inc(num_envs)
            self.step_seconds.observe(seconds)

    def serve(self, host: str, port: int) -> int:
        """Start the HTTP endpoint; the bound port (``port`` 0 picks a free one)."""
        from prometheus_client import start_http_server

        self._server, self._thread = start_http_server(port, addr=host, registry=self.prom)
        bound = self._server.server_address[1]
        log.info("metrics on http://%s:%d/metrics", host, bound)
        return int(bound)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
