"""Running wrk with the bench script, and what one run measured."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

# Two client threads on a two-core machine: the client gets as many cores as it can use
# without starving the server of more than it must share.
THREADS = 2
# A closed-loop client only records latencies under its timeout; longer waits count as
# timeouts and vanish from the percentiles, so the limit is set far beyond any sane answer.
TIMEOUT_SECONDS = 30
BATCH_SIZE = 100


class WrkMissing(RuntimeError):
    pass


def wrk_path() -> str | None:
    return shutil.which("wrk")


@dataclass
class WrkResult:
    """One wrk run, as the script's ``done()`` reported it."""

    requests: int
    seconds: float
    statuses: dict[int, int]
    errors: dict[str, int]
    latency_ms: dict[str, float]
    sent: list[int]
    failed_events: int
    repeated_answers: int
    bad_samples: list[str] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    @property
    def socket_errors(self) -> int:
        return sum(n for kind, n in self.errors.items() if kind != "status")

    @classmethod
    def parse(cls, output: str) -> WrkResult:
        line = next((x for x in output.splitlines() if x.startswith("BENCH ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no result line:\n{output[-2000:]}")
        raw: dict[str, Any] = json.loads(line[len("BENCH ") :])
        return cls(
            requests=raw["requests"],
            seconds=raw["duration_us"] / 1e6,
            statuses={int(k): v for k, v in raw["statuses"].items()},
            errors=raw["errors"],
            # With no answer at all wrk's histogram holds only sentinels.
            latency_ms={k: v / 1000 for k, v in raw["latency_us"].items()}
            if raw["requests"]
            else {},
            sent=raw["sent"],
            failed_events=raw["failed_events"],
            repeated_answers=raw["repeated_answers"],
            bad_samples=raw["bad_samples"],
        )


@dataclass(frozen=True)
class Load:
    """What one run sends: the script's mode, its input file, its day and the token."""

    mode: str
    lines: Path | None = None
    day: int = 0
    token: str = "-"


def run_wrk(url: str, load: Load, connections: int, seconds: float, raw_out: Path) -> WrkResult:
    """One closed-loop run of ``seconds``; wrk's whole output is kept in ``raw_out``."""
    binary = wrk_path()
    if binary is None:
        raise WrkMissing("wrk is not installed (Debian: apt-get install wrk)")
    script = files("habitloop.bench").joinpath("lua/bench.lua")
    with as_file(script) as path:
        command = [
            binary, f"-t{THREADS}", f"-c{max(connections, THREADS)}", f"-d{seconds:g}s",
            "--latency", f"--timeout={TIMEOUT_SECONDS}s", "-s", str(path), url, "--",
            load.mode, str(load.lines) if load.lines else "-", str(THREADS), str(load.day),
            load.token,
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 120, check=False
        )
    raw_out.parent.mkdir(parents=True, exist_ok=True)
    raw_out.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return WrkResult.parse(done.stdout)
