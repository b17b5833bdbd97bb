"""Prometheus metrics, in a registry per app (no global state at import).

Requests by route come from ``prometheus-fastapi-instrumentator``; the rest says where a
request's time goes: waiting for its turn at the database, and a plan's load, select and
persist steps."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator import metrics as route_metrics
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


REQUESTS_METRIC = "habitloop_http_requests_total"


class AppMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.plans = Counter(
            "habitloop_plans_generated_total",
            "Plans generated, by the strategy that served them.",
            ["strategy", "fallback"],
            registry=self.registry,
        )
        self.plan_steps = Histogram(
            "habitloop_plan_step_seconds",
            "Time of each step of a new plan: load (state), select (policy), persist (rows).",
            ["step"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.turn_wait = Histogram(
            "habitloop_db_turn_wait_seconds",
            "Time a transaction waited for its lane at the database (and on SQLite a writer for"
            " the write lock).",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.learned_later = Counter(
            "habitloop_answers_learned_later_total",
            "Answers stored by a batch and learned from by this worker's learner.",
            registry=self.registry,
        )
        self.pool_in_use = Gauge(
            "habitloop_db_pool_connections_in_use",
            "Database connections checked out of this worker's pool.",
            registry=self.registry,
        )

    def instrument(self, app: FastAPI) -> None:
        """Request counts and latency by route template, method and status."""
        instrumentator = Instrumentator(
            should_group_status_codes=False,
            excluded_handlers=["/metrics"],
            registry=self.registry,
        )
        instrumentator.add(
            route_metrics.requests(metric_name=REQUESTS_METRIC, registry=self.registry),
            route_metrics.latency(
                metric_name="habitloop_http_request_seconds",
                buckets=LATENCY_BUCKETS,
                registry=self.registry,
            ),
        )
        instrumentator.instrument(app)

    def watch_pool(self, engine: Engine) -> None:
        pool = engine.pool
        if isinstance(pool, QueuePool):
            self.pool_in_use.set_function(pool.checkedout)
