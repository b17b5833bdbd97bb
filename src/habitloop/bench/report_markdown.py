"""``report.md`` from the figures of ``report.json``, so the two never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from habitloop.bench.scenarios import LEARNED_LATER

NOTES = (
    "wrk is a closed-loop client: each connection sends its next request when the last one is "
    "answered, so a stalling server gets fewer requests and the tail is under-reported. Quote "
    "throughput from these runs; take p99 at a fixed offered rate when it matters.",
    "wrk runs {threads} threads on this {cores}-core machine, sharing the cores with the server "
    "(and PostgreSQL): the client is kept to the fewest threads that still saturate the bare "
    "ceiling, and the ceiling is measured in the same run, so the ratio is what the server "
    "itself costs.",
    "Every plan request is a new (user, date) pair; every answer is about an item of a plan "
    "made before the run (today's plans, part of the seeded history) that no earlier run "
    "answered. Profiles are read as of that day.",
    "idle after s: how long the server took after the run to answer a profile read again "
    "(the next run waits for that, and for about as long as the run's slowest answer); "
    "'> N' means it had not within N seconds.",
    "Answers about plan items, single or in batches, are recorded at once and learned from "
    "later by the workers' learner: learned after s is how long after the run it took until "
    "no answer waited, and answers learned/s counts that time too ('> N': not within N "
    "seconds).",
    "PostgreSQL is a throwaway local server (fsync and synchronous_commit off, shared_buffers "
    "{shared_buffers} MB: a quarter of the machine's memory); SQLite runs in "
    "WAL mode with synchronous=NORMAL, as the service configures it.",
)

READS = (
    "database MB is the SQLite file's size; read from disk MB is what the timed plans read "
    "from storage rather than the page cache ('-' where the system does not say). Where the "
    "file outgrows the memory left for the page cache, plans wait for the disk, and the ratio "
    "measures the disk more than the work a plan does."
)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _idle(seconds: float | None, limit: float) -> str:
    return f"> {limit:g}" if seconds is None else _num(seconds)


def _learned(run: dict[str, Any], limit: float) -> str:
    if run["scenario"] not in LEARNED_LATER:
        return "-"
    return _idle(run.get("learned_after_s"), limit)


def _http(runs: list[dict[str, Any]], limit: float, learn_limit: float) -> list[str]:
    header = (
        "backend", "workers", "conns", "scenario", "req/s", "answers/s", "p50 ms", "p95 ms",
        "p99 ms", "max ms", "requests", "non-2xx", "socket errors", "ceiling req/s", "ratio",
        "idle after s", "learned after s", "answers learned/s",
    )  # fmt: skip
    rows = []
    for r in runs:
        lat = r["latency_ms"]
        errors = sum(v for k, v in r["socket_errors"].items() if k != "status")
        rows.append(
            (
                r["backend"], r["workers"], r["connections"], r["scenario"],
                _num(r["requests_per_s"]), _num(r["answers_per_s"]), _num(lat.get("p50")),
                _num(lat.get("p95")), _num(lat.get("p99")), _num(lat.get("max")), r["requests"],
                r["non_2xx"], errors, _num(r["ceiling_requests_per_s"]),
                _num(r["ratio_to_ceiling"], 4), _idle(r["recovery_s"], limit),
                _learned(r, learn_limit), _num(r.get("answers_learned_per_s")),
            )
        )  # fmt: skip
    return _table(header, rows)


def _problems(runs: list[dict[str, Any]]) -> list[str]:
    lines, repeats = [], []
    for r in runs:
        name = f"{r['backend']} {r['scenario']} w{r['workers']} c{r['connections']}"
        if r["non_2xx"] or r["failed_batch_events"]:
            statuses = ", ".join(f"{k}: {v}" for k, v in r["statuses"].items())
            lines.append(f"- {name}: statuses {statuses}; failed batch events "
                         f"{r['failed_batch_events']}")  # fmt: skip
            lines += [f"  - `{sample[:300]}`" for sample in r["bad_samples"]]
        if r["requests"] == 0:
            lines.append(f"- {name}: no request completed in {r['seconds']} s")
        if r["repeated_answers"]:
            repeated = r["repeated_answers"]
            repeats.append(f"- {name}: answered all {r['items_lent']:,} items it was given "
                           f"and started over ({repeated:,} repeated answers)")  # fmt: skip
    lines = lines or ["- none: every run answered 2xx only"]
    if repeats:
        lines += ["", "Runs that ran out of unanswered items (repeats are duplicates or changed "
                  "answers, a different path):", "", *repeats]  # fmt: skip
    return lines


def _seed(data: dict[str, Any]) -> list[str]:
    rows = []
    for backend, s in data["seed"].items():
        seconds = s["seconds"]
        rows.append(
            (
                backend, f"{s['users']:,}", s["days"], s["templates"],
                _num(seconds.get("templates")), _num(seconds.get("clone")),
                f"{sum(s['rows'].values()):,}",
            )
        )  # fmt: skip
    header = ("backend", "users", "days", "templates", "templates s", "clone s", "rows cloned")
    return _table(header, rows)


def _summaries(runs: list[dict[str, Any]]) -> list[str]:
    rows = [
        (
            r["backend"], f"{r['users']:,}", r["jobs"], _num(r["first_run_s"], 2),
            f"{r['first_run_written']:,}", f"{r['users_per_s']:,.0f}",
            f"{r['target_users_per_s']:,}" if r["target_users_per_s"] else "-",
            _num(r["rerun_s"], 2), f"{r['rerun_written']:,}", _num(r["warm_first_run_s"], 2),
            f"{r['users'] / r['warm_first_run_s']:,.0f}" if r["warm_first_run_s"] else "-",
        )
        for r in runs
    ]  # fmt: skip
    header = ("backend", "users", "jobs", "first run s", "written", "users/s", "target",
              "re-run s", "re-written", "warm first run s", "warm users/s")  # fmt: skip
    intro = (
        "Every seeded user's last full week stored by `summaries run` (before the load runs), "
        "then the same week again, which finds nothing changed, then once more after its rows "
        "were deleted (warm: what the first run read is in memory by then):"
    )
    return [intro, "", *_table(header, rows)]


def _profiles(profiles: list[dict[str, Any]]) -> list[str]:
    lines = [
        "Where the time goes: one more run of each with py-spy sampling the only worker (not "
        "one of the measured runs), as shares of its busy samples: first each sample counted "
        "once (in bold, adding up to 100), then libraries and functions with what they "
        "called.", "",
    ]  # fmt: skip
    for p in profiles:
        rows = [
            *((f"**{s['name']}**", s["percent"]) for s in p["parts"]),
            *((f"library, with what it called: {s['name']}", s["percent"]) for s in p["libraries"]),
            *((f"`{s['name']}`", s["percent"]) for s in p["functions"]),
        ]
        lines += [f"**{p['scenario']}, {p['backend']}** ({p['samples']:,} samples):", ""]
        lines += _table(("where", "% of busy samples"), [(w, _num(v)) for w, v in rows])
    return lines


def _in_process(data: dict[str, Any]) -> list[str]:
    lines = [
        "## In-process", "",
        "Microseconds per 7-item plan in the pure core (`build_plan`, with the state the "
        "service builds for a user with the seeded history):", "",
    ]  # fmt: skip
    rows = [(k, _num(v["median_us"]), _num(v["p95_us"]), v["samples"])
            for k, v in data["core_us_per_plan"].items()]  # fmt: skip
    vw = data["vw_us_per_plan"]
    if isinstance(vw, dict):
        rows.append(("VW cb_explore_adf (same 7 decisions)", _num(vw["median_us"]),
                     _num(vw["p95_us"]), vw["samples"]))  # fmt: skip
    elif vw:
        rows.append(("VW cb_explore_adf", f"not run: {vw}", "-", 0))
    lines += _table(("policy", "median us", "p95 us", "plans"), rows)
    for key, label in (("history", "days of history"), ("users", "users")):
        points = data[f"{key}_growth"]
        if not points:
            continue
        lines += [f"Plan latency through the service, in-process, by {label} (SQLite):", ""]
        lines += _table(
            (label, "median ms", "p95 ms", "plans", "database MB", "read from disk MB"),
            [(f"{p['size']:,}", _num(p["median_ms"], 2), _num(p["p95_ms"], 2), p["samples"],
              _num(p["database_mb"]), _num(p["read_mb"])) for p in points],
        )  # fmt: skip
        ratio = data[f"{key}_ratio"]
        lines += [f"Median at {points[-1]['size']:,} / at {points[0]['size']:,} {label}: "
                  f"**{_num(ratio, 2)}x**", ""]  # fmt: skip
    if data["history_growth"] or data["users_growth"]:
        lines += [READS, ""]
    return lines


def _header(data: dict[str, Any]) -> list[str]:
    config, machine = data["config"], data["machine"]
    lines = [
        "# habitloop bench" + (" (quick)" if config["quick"] else ""), "",
        f"{machine['cores']} cores, {machine['memory_mb'] / 1024:,.1f} GiB of memory, "
        f"{machine['platform']}, Python {machine['python']}.",
    ]  # fmt: skip
    if not data["http"]:
        return [*lines, "No HTTP runs in this report: in-process figures only.", ""]
    lines += [
        f"{config['users']:,} users with {config['days']} days of history; runs of "
        f"{config['duration']:g} s at {', '.join(map(str, config['connections']))} connections "
        f"with {', '.join(map(str, config['workers']))} worker(s).", "",
    ]  # fmt: skip
    notes = [
        n.format(
            threads=machine["wrk_threads"],
            cores=machine["cores"],
            shared_buffers=f"{machine['postgres_shared_buffers_mb']:,}",
        )
        for n in NOTES
    ]
    return lines + [f"- {n}" for n in notes] + [""]


def to_markdown(data: dict[str, Any]) -> str:
    config = data["config"]
    lines = _header(data)
    if data["http"]:
        lines += [
            "## HTTP (wrk)",
            "",
            *_http(data["http"], config["settle_limit"], config.get("learn_limit", 0.0)),
        ]
        lines += ["Non-2xx, failed batch events and short runs:", "", *_problems(data["http"])]
        if data["profiles"]:
            lines += ["", *_profiles(data["profiles"])]
        lines += ["", "Peak resident memory per server worker (VmHWM at the end of its runs):", ""]
        lines += _table(
            ("backend", "workers", "MiB per worker"),
            [(m["backend"], m["workers"], ", ".join(_num(v) for v in m["peak_mib"]))
             for m in data["memory"]],
        )  # fmt: skip
    if data["seed"]:
        lines += ["## Seeding", "", *_seed(data)]
    if data["summaries"]:
        lines += ["## Weekly summaries", "", *_summaries(data["summaries"])]
    if data["core_us_per_plan"]:
        lines += _in_process(data)
    lines += ["## Phases", ""]
    lines += _table(("phase", "seconds"), [(k, _num(v)) for k, v in data["phases_s"].items()])
    return "\n".join(lines)
