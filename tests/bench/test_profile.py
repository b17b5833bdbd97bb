"""The bench's profile breakdown: each busy sample counted once, in the part it belongs to."""

from __future__ import annotations

from pathlib import Path

from habitloop.bench.profile import summarise

MAIN = "_run_module_as_main (<frozen runpy>:198)"
POOL = "Thread._bootstrap (threading.py:1002)"
RUN = "Database.run (habitloop/db/session.py:72)"
EXECUTE = "DefaultDialect.do_execute (sqlalchemy/engine/default.py:964)"
ROUTE = "APIRoute.handle (fastapi/routing.py:1374)"
PLAN = "build_plan (habitloop/core/planner.py:190)"


def _parts(tmp_path: Path, lines: list[str]) -> dict[str, float]:
    raw = tmp_path / "samples.txt"
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    profile = summarise(raw, "plans", "sqlite")
    assert abs(sum(part.percent for part in profile.parts) - 100) < 0.5
    return {part.name.split(" (")[0].split(",")[0]: part.percent for part in profile.parts}


def test_a_stack_read_only_in_part_is_not_counted_as_the_framework(tmp_path: Path) -> None:
    parts = _parts(
        tmp_path,
        [
            f"{MAIN};{ROUTE} 20",  # the framework
            f"{POOL};{RUN};{EXECUTE} 30",  # the database, in a transaction
            f"{POOL};{RUN};{PLAN} 40",  # the project's own work
            f"{EXECUTE} 6",  # inner frames only: where it ran is unknown
            f"{PLAN} 4",
            f"{POOL};Condition.wait (threading.py:327) 500",  # idle, left out
        ],
    )
    assert parts == {
        "a stack read only in part": 10.0,
        "outside any transaction": 20.0,
        "the database and its driver": 30.0,
        "SQLAlchemy itself": 0.0,
        "NumPy": 0.0,
        "the rest: the project's Python and the standard library": 40.0,
    }
