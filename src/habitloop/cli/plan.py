"""``habitloop plan``: a user's plan for one day, generated without the server."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import typer
from rich import box
from rich.table import Table
from rich.text import Text
from sqlalchemy.orm import Session

from habitloop.application import Application
from habitloop.cli.common import reports_errors, start, stderr, stdout
from habitloop.core.vocab import Archetype, Mode, Strategy, normalise
from habitloop.errors import NotFound
from habitloop.plans.schemas import PlanIn, PlanOut
from habitloop.plans.service import generate_plan
from habitloop.plans.strategy import AVAILABLE_STRATEGIES
from habitloop.users.schemas import UserIn
from habitloop.users.service import get_user, put_user

ARCHETYPES = ", ".join(a.value for a in Archetype)
WIDE = 140
STRATEGIES = [s.value for s in AVAILABLE_STRATEGIES]


def _strategy(raw: str) -> Strategy:
    # Offers what the planner can serve today, which is narrower than the vocabulary.
    if raw.strip().lower() not in STRATEGIES:
        raise typer.BadParameter(f"{raw!r} is not one of: {', '.join(STRATEGIES)}")
    return Strategy(raw.strip().lower())


def _archetype(raw: str | None) -> Archetype | None:
    if raw is None:
        return None
    try:
        return normalise(Archetype, raw)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--archetype") from exc


def _ensure_user(session: Session, user_id: UUID, archetype: Archetype | None) -> None:
    try:
        user = get_user(session, user_id=user_id)
    except NotFound:
        if archetype is None:
            raise NotFound(
                f"user {user_id} does not exist; pass --archetype to create it"
            ) from None
        put_user(session, user_id=user_id, data=UserIn(archetype=archetype))
        return
    if archetype is not None and archetype is not user.archetype:
        stderr().print(
            f"note: user {user_id} is a {user.archetype.value}; --archetype only applies to a new "
            f"user (change it with PUT /api/v1/users/{user_id})",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )


def _table(plan: PlanOut, *, wide: bool) -> Table:
    # Nine columns do not fit 80 characters, so narrow terminals get each reason under its task.
    table = Table(header_style="bold", box=box.SIMPLE_HEAD, show_edge=False, padding=0)
    for name in ("time", "block", "category", "task", "min", "difficulty", "score", "prop."):
        numeric = name in ("min", "score", "prop.")
        table.add_column(name, no_wrap=name != "task", justify="right" if numeric else "left")
    if wide:
        table.add_column("reason")
    for item in plan.items:
        task = Text(item.name)
        if not wide:
            task.append(f"\n{item.reason}", style="dim")
        cells = [item.start_time, item.time_block.value, item.category.value, task]
        cells += [str(item.duration_minutes), item.difficulty.value]
        cells += [f"{item.score:.2f}", f"{item.propensity:.2f}"]
        table.add_row(*cells, *([item.reason] if wide else []))
    return table


@reports_errors
def plan(
    user_id: Annotated[
        UUID, typer.Argument(metavar="USER_ID", help="The user's UUID.", show_default=False)
    ],
    day: Annotated[
        datetime,
        typer.Option("--date", formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="The plan's day."),
    ],
    mode: Annotated[
        Mode | None, typer.Option(help="Energy mode (default: the day's check-in, else medium).")
    ] = None,
    strategy: Annotated[
        Strategy | None,
        typer.Option(
            parser=_strategy,
            metavar=f"[{'|'.join(STRATEGIES)}]",
            help="Planning strategy (default: HABITLOOP_DEFAULT_STRATEGY).",
        ),
    ] = None,
    regenerate: Annotated[
        bool, typer.Option("--regenerate", help="Replace a stored plan for the day.")
    ] = False,
    archetype: Annotated[
        str | None,
        typer.Option(
            help=f"Create the user with this archetype if it does not exist: {ARCHETYPES}."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Generate (or show the stored) plan for USER_ID on --date, like POST .../plans does."""
    wanted_archetype = _archetype(archetype)
    request = PlanIn(date=day.date(), mode=mode, strategy=strategy, regenerate=regenerate)
    application = Application.start(start(), migrate=True)
    try:
        with application.db.transaction(write=True) as session:
            _ensure_user(session, user_id, wanted_archetype)
            result = generate_plan(
                session,
                settings=application.settings,
                library_cache=application.library,
                user_id=user_id,
                request=request,
            )
    finally:
        application.close()
    if as_json:
        typer.echo(result.plan.model_dump_json(indent=2))
        return
    p = result.plan
    out = stdout()
    out.print(
        f"[bold]{p.date.isoformat()}[/bold] · archetype {p.archetype.value} · mode {p.mode.value} "
        f"({p.mode_source.value}) · strategy {p.strategy.value} · phase {p.learning_phase.value}"
        + ("" if result.created else " · stored plan (--regenerate for a new one)"),
        soft_wrap=True,
    )
    if p.fallback_reason:
        out.print(f"static fallback: {p.fallback_reason}", style="yellow", markup=False)
    out.print(_table(p, wide=out.width >= WIDE))
