"""The library API runs the same use cases as the HTTP API, and the README's example works."""

from __future__ import annotations

import runpy
import uuid
from datetime import date
from pathlib import Path

import pytest

from habitloop import Habitloop, NotFound

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "scripted_user.py"


def test_habitloop_plans_learns_and_reports(tmp_sqlite_url: str) -> None:
    with Habitloop(tmp_sqlite_url) as hl:
        ana = uuid.uuid4()
        hl.put_user(ana, {"archetype": "Peak Performer"})
        plan = hl.plan(ana, {"date": "2026-11-23"})
        assert len(plan.items) == 7
        done = hl.feedback(
            {
                "user_id": ana,
                "plan_item_id": plan.items[0].item_id,
                "status": "completed",
                "occurred_at": "2026-11-23T09:00:00+00:00",
            }
        )
        assert done.status == "recorded"
        assert hl.profile(ana, date(2026, 11, 23)).completions == 1
        assert hl.get_plan(ana, date(2026, 11, 23)).plan_id == plan.plan_id
        with pytest.raises(NotFound):
            hl.plan(uuid.uuid4(), {"date": "2026-11-23"})


def test_readme_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    lines = capsys.readouterr().out.splitlines()[1:]
    phases = [line.split()[1] for line in lines]
    assert phases[6] == "discovery" and phases[7] == "establishment"
    movement, nutrition = (float(x) for x in lines[4].split()[2:4])
    assert movement > nutrition
