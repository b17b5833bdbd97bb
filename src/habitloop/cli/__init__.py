"""The ``habitloop`` command, assembled from one sub-app or command per module so that later
groups plug in with a line each."""

from __future__ import annotations

import typer

from . import (
    bench,
    db,
    demo,
    incidents,
    learning,
    library,
    plan,
    serve,
    simulate,
    summaries,
    tokens,
)

app = typer.Typer(
    name="habitloop",
    help="Daily wellness plans from a curated task library, learned from what each user does.",
    no_args_is_help=True,
    add_completion=False,
    # Locals of a crashed command can hold the JWT secret.
    pretty_exceptions_show_locals=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(library.app, name="library")
app.command("token")(tokens.token)
app.command("plan")(plan.plan)
app.add_typer(summaries.app, name="summaries")
app.add_typer(incidents.app, name="incidents")
app.add_typer(learning.app, name="learning")
app.command("simulate")(simulate.simulate)
app.command("bench")(bench.bench)
app.command("demo")(demo.demo)


def main() -> None:
    app(prog_name="habitloop")


__all__ = ["app", "main"]
