"""The report: ``report.json`` with every figure, ``report.md`` with the tables."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from habitloop.bench.core_costs import Timing
from habitloop.bench.growth import Point
from habitloop.bench.http_runs import HttpRun
from habitloop.bench.runner import Results
from habitloop.bench.scenarios import LEARNED_LATER
from habitloop.bench.summaries import TARGET_USERS_PER_S
from habitloop.bench.summaries import Timing as SummaryTiming


def _run_json(run: HttpRun) -> dict[str, Any]:
    r = run.result
    return {
        "backend": run.backend,
        "workers": run.workers,
        "connections": run.connections,
        "scenario": run.scenario,
        "requests": r.requests,
        "seconds": round(r.seconds, 3),
        "requests_per_s": round(r.rps, 1),
        "answers_per_s": round(run.answers_per_s, 1) if run.scenario in LEARNED_LATER else None,
        "latency_ms": r.latency_ms,
        "statuses": {str(k): v for k, v in sorted(r.statuses.items())},
        "non_2xx": r.non_2xx,
        "socket_errors": r.errors,
        "failed_batch_events": r.failed_events,
        "items_lent": run.items_lent,
        "repeated_answers": r.repeated_answers,
        "bad_samples": r.bad_samples,
        "ceiling_requests_per_s": round(run.ceiling.rps, 1) if run.ceiling else None,
        "ceiling_latency_ms": run.ceiling.latency_ms if run.ceiling else None,
        "ratio_to_ceiling": round(run.ratio, 6) if run.ratio is not None else None,
        "recovery_s": round(run.recovery_s, 2) if run.recovery_s is not None else None,
        "learned_after_s": _rounded(run.learned_after_s, 2),
        "answers_learned_per_s": _rounded(run.answers_learned_per_s, 1),
    }


def _rounded(value: float | None, digits: int) -> float | None:
    return round(value, digits) if value is not None else None


def _summaries_json(timing: SummaryTiming) -> dict[str, Any]:
    return {
        "backend": timing.backend,
        "users": timing.users,
        "week": str(timing.week),
        "jobs": timing.jobs,
        "first_run_s": round(timing.first[1], 3),
        "first_run_written": timing.first[0],
        "rerun_s": round(timing.again[1], 3),
        "rerun_written": timing.again[0],
        "warm_first_run_s": round(timing.warm[1], 3),
        "warm_first_run_written": timing.warm[0],
        "users_per_s": round(timing.users_per_s, 1),
        "target_users_per_s": TARGET_USERS_PER_S if timing.backend != "sqlite" else None,
    }


def _ratio(points: list[Point]) -> float | None:
    if len(points) < 2 or not points[0].median_ms:
        return None
    return points[-1].median_ms / points[0].median_ms


def to_json(results: Results) -> dict[str, Any]:
    config = asdict(results.config)
    config["out"] = str(config["out"])
    vw = results.vw
    return {
        "config": config,
        "machine": results.machine,
        "phases_s": {k: round(v, 2) for k, v in results.phases.items()},
        "seed": {
            backend: {
                "users": len(s.user_ids),
                "days": s.days,
                "templates": len(s.templates),
                "seconds": {k: round(v, 2) for k, v in s.seconds.items()},
                "rows": s.rows,
            }
            for backend, s in results.seeds.items()
        },
        "summaries": [_summaries_json(t) for t in results.summaries],
        "http": [_run_json(run) for run in results.http],
        "profiles": [asdict(profile) for profile in results.profiles],
        "memory": [asdict(m) for m in results.memory],
        "core_us_per_plan": {k: asdict(v) for k, v in results.core.items()},
        "vw_us_per_plan": asdict(vw) if isinstance(vw, Timing) else vw,
        "history_growth": [asdict(p) for p in results.history],
        "history_ratio": _ratio(results.history),
        "users_growth": [asdict(p) for p in results.users],
        "users_ratio": _ratio(results.users),
    }


def write_report(results: Results, out: Path) -> list[Path]:
    from habitloop.bench.report_markdown import to_markdown

    out.mkdir(parents=True, exist_ok=True)
    data = to_json(results)
    json_path, md_path = out / "report.json", out / "report.md"
    json_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(to_markdown(data), encoding="utf-8")
    return [md_path, json_path]
