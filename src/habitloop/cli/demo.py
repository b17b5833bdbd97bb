"""``habitloop demo``: a demo user with four weeks of simulated history, and the links that
open the pages on it.

The history is lived by the simulator's users (``habitloop.sim``) through the real service, day
by day, as an app would drive it: check in, get the day's plan, answer some of it. A small
crowd of other simulated users, served by each strategy in turn, fills the dashboard."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Annotated, Any

import typer

from habitloop.auth import issue_token, resolve_secret
from habitloop.cli.common import reports_errors, start, stdout
from habitloop.cli.tokens import DEFAULT_BASE_URL, signin_link
from habitloop.core.library import Library
from habitloop.embedded import Habitloop
from habitloop.sim.behaviour import Response, SimUser
from habitloop.sim.clients import InProcessClient
from habitloop.sim.harness import ENGINE_STRATEGIES, Served, feedback_event, simulate_day
from habitloop.sim.population import make_population
from habitloop.sim.pure import ServedItem
from habitloop.tasks.files import configured_library

DEFAULT_STRATEGY = "bandit"


def live(
    client: InProcessClient,
    library: Library,
    user: SimUser,
    strategy: str,
    first_day: date,
    days: int,
    seed: int,
    index: int,
) -> None:
    """``days`` days of ``user``'s life from ``first_day``, through the service."""
    rng = Random(f"habitloop-demo:{seed}:{index}")
    served = Served()
    client.create_user(user.user_id, user.archetype.value)

    def day_of(index: int) -> date:
        return first_day + timedelta(days=index - 1)

    def serve(who: SimUser, index: int, signals: dict[str, Any]) -> list[ServedItem]:
        if signals:
            client.checkin(who.user_id, day_of(index), signals)
        plan = client.plan(who.user_id, day_of(index), strategy)
        return [
            ServedItem(library.by_id[i.task_id], i.time_block, i.propensity, i.item_id)
            for i in plan.items
        ]

    def answer(who: SimUser, index: int, pairs: list[tuple[ServedItem, Response]]) -> None:
        events = [
            feedback_event(who, item.item_id, response, day_of(index))
            for item, response in pairs
            if response.outcome is not None
        ]
        client.feedback(events, datetime.combine(day_of(index), time(21, 0), UTC))

    for index in range(1, days + 1):
        simulate_day(user, index, rng, library, served, serve, answer, strategy, seed)


CANDIDATES = 24


def _engagement(user: SimUser) -> float:
    traits = user.traits
    return traits.answer_rate * (1 - traits.no_open_probability) - traits.disengagement_sensitivity


def _cast(library: Library, seed: int, crowd: int) -> list[SimUser]:
    """The demo user first, then the crowd, under new ids so every run starts new users. The
    demo user is the simulator's most engaged person among the first few: one who opens the
    app most days and answers, so every page has something to show."""
    people = make_population(max(CANDIDATES, crowd + 1), library, seed)
    chosen = max(people, key=_engagement)
    # A page of a user who gave up in week one shows little: the demo user keeps going
    # whatever their plans are like (frustration does not make them leave).
    steady = replace(chosen.traits, disengagement_sensitivity=0.0)
    others = [(p.archetype, p.traits) for p in people if p is not chosen][:crowd]
    return [SimUser(uuid.uuid4(), a, t) for a, t in [(chosen.archetype, steady), *others]]


@reports_errors
def demo(
    days: Annotated[int, typer.Option(min=1, max=120, help="Days of history.")] = 28,
    crowd: Annotated[
        int, typer.Option(min=0, max=200, help="Other simulated users, for the dashboard.")
    ] = 11,
    seed: Annotated[int, typer.Option(help="The simulator's seed.")] = 1,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the server is, for the links.")
    ] = DEFAULT_BASE_URL,
) -> None:
    """Seed a demo user with DAYS days of history ending yesterday and today's plan, then
    print the sign-in link to their pages and the dashboard's."""
    settings = start()
    library = configured_library(settings)
    today = datetime.now(UTC).date()
    first_day = today - timedelta(days=days)
    people = _cast(library, seed, crowd)
    console = stdout()
    with Habitloop(settings=settings) as hl:
        client = InProcessClient(hl)
        with console.status("Living the demo's days...") as status:
            for n, person in enumerate(people):
                strategy = DEFAULT_STRATEGY if n == 0 else ENGINE_STRATEGIES[n % 4]
                status.update(f"Living {days} days of simulated user {n + 1} of {len(people)}")
                live(client, library, person, strategy, first_day, days, seed, n)
        demo_user = people[0]
        hl.plan(demo_user.user_id, {"date": today.isoformat(), "strategy": DEFAULT_STRATEGY})
    secret = resolve_secret(settings)
    lifetime = timedelta(seconds=settings.token_max_ttl_seconds)
    now = datetime.now(UTC)
    user_token = issue_token(secret, demo_user.user_id, service=False, ttl=lifetime, now=now)
    service_token = issue_token(secret, None, service=True, ttl=lifetime, now=now)
    console.print(
        f"Demo user {demo_user.user_id} ({demo_user.archetype.value}): {days} days of history "
        f"from {first_day.isoformat()}, and today's plan; {crowd} more simulated users.",
        soft_wrap=True,
        markup=False,
    )
    console.print("Their pages (Today, My week):", markup=False)
    typer.echo(signin_link(base_url, user_token))
    console.print("The dashboard (service role):", markup=False)
    typer.echo(signin_link(base_url, service_token))
