"""Schemathesis over the whole OpenAPI document, against a real server, with a user token (on
its own user's paths) and with a service token: generated requests that fit the schema and
requests that break it. Whatever is sent, the answer is never a 5xx, its status is one the
operation declares, and its body and headers match what the document says of that status.

Bounded and deterministic: a fixed seed, a fixed number of examples per operation and mode,
and a time budget per run after which the remaining examples are skipped (and reported).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, reject, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import checks
from schemathesis.generation.modes import GenerationMode
from schemathesis.openapi import from_url

from tests.conftest import auth
from tests.fuzz.conftest import FIGURES
from tests.support.server import ServerProcess

SEED = 20261123
EXAMPLES = 30
BUDGET_SECONDS = 120
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@dataclass
class Run:
    base_url: str
    headers: dict[str, str]
    deadline: float
    own_user: uuid.UUID | None = None
    requests: int = 0
    skipped: int = 0
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    unreached: list[str] = field(default_factory=list)

    def fuzz(self, operation: Any, mode: GenerationMode) -> None:
        fixed = {}
        if self.own_user is not None and "{user_id}" in operation.path:
            fixed["path_parameters"] = {"user_id": str(self.own_user)}
        strategy = operation.as_strategy(mode, **fixed)

        @seed(SEED)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def one(case: Any) -> None:
            if time.monotonic() > self.deadline:
                self.skipped += 1
                reject()
            self.requests += 1
            try:
                case.call_and_validate(base_url=self.base_url, headers=self.headers, checks=CHECKS)
            except BaseExceptionGroup as group:
                for failure in group.exceptions:
                    key = (operation.label, getattr(failure, "title", type(failure).__name__))
                    self.failures.setdefault(key, str(group))

        try:
            one()
        except Unsatisfiable:
            # Nothing negative to make of an operation without inputs, or the budget is spent.
            if time.monotonic() > self.deadline:
                self.unreached.append(f"{operation.label} ({mode.value})")


def create_user(base_url: str) -> uuid.UUID:
    user = uuid.uuid4()
    body = {"archetype": "peak_performer"}
    created = httpx.put(f"{base_url}/api/v1/users/{user}", json=body, headers=auth(user))
    assert created.status_code == 201, created.text
    return user


@pytest.mark.parametrize("caller", ["user", "service"])
def test_generated_requests_keep_the_contract(server: ServerProcess, caller: str) -> None:
    schema = from_url(f"{server.base_url}/openapi.json")
    own = create_user(server.base_url) if caller == "user" else None
    headers = auth(own) if own is not None else auth(None, service=True)
    run = Run(server.base_url, headers, time.monotonic() + BUDGET_SECONDS, own)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run.fuzz(operation, mode)
    backend = server.env["HABITLOOP_DATABASE_URL"].split(":")[0]
    FIGURES.append(
        f"{backend}, {caller} token: {len(operations)} operations, {run.requests} requests in "
        f"{time.monotonic() - started:.0f} s, {len(run.failures)} contract failures, "
        f"{run.skipped} examples left for time {run.unreached}"
    )
    assert len(operations) >= 15, [o.label for o in operations]
    report = "\n".join(
        f"{op} :: {title}\n    {message}" for (op, title), message in run.failures.items()
    )
    assert not run.failures, f"{len(run.failures)} contract failures:\n{report}"
