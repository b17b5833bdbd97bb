"""How the bench's runs share their inputs: plans runs take turns over the users, so each run
plans for users whose last plan is the seeded day's, and moves to the next date only when every
user has one."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

from habitloop.bench.scenarios import Workload, epoch_day
from habitloop.bench.wrk import WrkResult

TODAY = date(2026, 11, 23)


def workload(folder: Path, users: int) -> Workload:
    ids = [uuid.UUID(int=n + 1) for n in range(users)]
    return Workload(folder, "token", ids, [], TODAY, TODAY + timedelta(days=1), unplanned=ids)


def ran(sent: list[int]) -> WrkResult:
    return WrkResult(sum(sent), 10.0, {201: sum(sent)}, {}, {}, sent, 0, 0)


def planned_in(path: Path | None) -> list[uuid.UUID]:
    assert path is not None
    return [uuid.UUID(line) for line in path.read_text(encoding="utf-8").split()]


def test_each_plans_run_starts_with_the_users_the_last_one_did_not_reach(tmp_path: Path) -> None:
    work = workload(tmp_path, 10)
    first = work.load("plans", "plans-1")
    assert planned_in(first.lines) == work.users
    assert first.day == epoch_day(TODAY + timedelta(days=1))
    # Two threads: thread 0 takes lines 0, 2, 4, ..., thread 1 lines 1, 3, 5, ...
    work.consumed("plans", ran([3, 2]))
    second = work.load("plans", "plans-2")
    assert planned_in(second.lines) == [work.users[n] for n in (5, 6, 7, 8, 9)]
    assert second.day == first.day


def test_a_run_that_planned_everyone_moves_the_next_to_a_date_no_one_has(tmp_path: Path) -> None:
    work = workload(tmp_path, 10)
    work.load("plans", "plans-1")
    # Each thread walked its five users and went on to the next date with two more.
    work.consumed("plans", ran([7, 7]))
    after = work.load("plans", "plans-2")
    assert planned_in(after.lines) == work.users
    assert after.day == epoch_day(TODAY + timedelta(days=3))
