"""``habitloop learning``: learn now from the answers batches stored to be learned later (the
service's workers do this every few seconds; this is for a service that is stopped, or with its
learner switched off)."""

from __future__ import annotations

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from habitloop.cli.common import open_database, reports_errors, start, stderr, stdout
from habitloop.learning.catch_up import catch_up_everyone, waiting_answers
from habitloop.tasks.service import LibraryCache

app = typer.Typer(
    help="The learned state: answers waiting to be learned from.", no_args_is_help=True
)


@app.command()
@reports_errors
def run() -> None:
    """Learn from every waiting answer, one user per transaction."""
    settings = start()
    with open_database(settings, migrate=False) as db:
        with db.transaction(write=False) as session:
            total = waiting_answers(session)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeElapsedColumn(), console=stderr(), transient=True) as progress:
            task = progress.add_task("learning from waiting answers", total=total)
            learned = catch_up_everyone(
                db,
                settings=settings,
                library_cache=LibraryCache(),
                progress=lambda count: progress.advance(task, count),
            )
    stdout().print(f"learned from {learned} waiting answer(s)")


@app.command()
@reports_errors
def waiting() -> None:
    """How many answers wait to be learned from."""
    with open_database(start(), migrate=False) as db, db.transaction(write=False) as session:
        stdout().print(str(waiting_answers(session)))
