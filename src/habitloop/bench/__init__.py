"""``habitloop bench``: the service under load beside the framework's ceiling, and its
in-process costs. ``run_bench(config, start_phase)`` measures; ``write_report`` writes
``report.md`` and ``report.json``."""

from habitloop.bench.config import QUICK, BenchConfig, configured
from habitloop.bench.report import write_report
from habitloop.bench.runner import BenchUnavailable, Results, run_bench

__all__ = [
    "QUICK",
    "BenchConfig",
    "BenchUnavailable",
    "Results",
    "configured",
    "run_bench",
    "write_report",
]
