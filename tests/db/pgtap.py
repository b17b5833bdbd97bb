"""Running pgTAP test files (Supabase's ``supabase/tests/database/*.test.sql``) the way
``pg_prove`` does, and reading their TAP output."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

TESTS = Path(__file__).resolve().parents[2] / "supabase" / "tests" / "database"
_PLAN = re.compile(r"^1\.\.(\d+)$")


@dataclass
class Tap:
    """What one file reported: its plan, the tests that passed, and each failure with its
    diagnostics."""

    planned: int | None = None
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and self.planned == len(self.passed)

    def report(self) -> str:
        failures = "\n".join(self.failed) or "none"
        return f"planned {self.planned}, passed {len(self.passed)}; failures:\n{failures}"


def pgtap_files() -> list[Path]:
    return sorted(TESTS.glob("*.test.sql"))


def pgtap_installed(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pgtap'")
        return found.fetchone() is not None


def run(dsn: str, path: Path) -> Tap:
    """Run the file in one go, as psql would; every row any statement returns is a line."""
    lines: list[str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(path.read_bytes())
        while True:
            if cursor.description is not None:
                lines += [str(row[0]) for row in cursor.fetchall()]
            if not cursor.nextset():
                break
    return read_tap(lines)


def read_tap(lines: list[str]) -> Tap:
    tap = Tap()
    for line in "\n".join(lines).splitlines():
        plan = _PLAN.match(line)
        if plan:
            tap.planned = int(plan.group(1))
        elif line.startswith("ok "):
            tap.passed.append(line)
        elif line.startswith("not ok "):
            tap.failed.append(line)
        elif line.startswith("#") and tap.failed:
            tap.failed[-1] += "\n" + line
    return tap
