"""``habitloop incidents``: keep the incidents table (every 5xx answer) to the days the
operator still needs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from habitloop.cli.common import open_database, reports_errors, start, stdout
from habitloop.health import incidents
from habitloop.health.dashboard import HISTORY_DAYS
from habitloop.health.incidents import Window

app = typer.Typer(help="Incidents: the answers with a 5xx status.", no_args_is_help=True)

DEFAULT_KEEP_DAYS = 90


@app.command()
@reports_errors
def prune(
    keep_days: Annotated[
        int,
        typer.Option(
            min=HISTORY_DAYS,
            help=f"UTC dates to keep, today included (at least the dashboard's {HISTORY_DAYS}).",
        ),
    ] = DEFAULT_KEEP_DAYS,
) -> None:
    """Remove the incidents from before the last KEEP_DAYS UTC dates."""
    kept = Window.of_days(datetime.now(UTC).date(), keep_days)
    with open_database(start(), migrate=False) as db, db.transaction(write=True) as session:
        removed = incidents.prune(session, kept)
    stdout().print(f"removed {removed} incident(s) from before {kept.first_day.isoformat()}")
