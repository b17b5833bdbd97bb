"""Cloned users are indistinguishable from their template to the service: with the plan's
random draws keyed to the same user, a clone's next plan is the template's, and the same
answers leave the same profile and completion model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from habitloop.bench.clone import PER_USER
from habitloop.bench.history import make_templates
from habitloop.bench.seed import Seeded, add_clones, seed_templates
from habitloop.core.completion_model import feature_space
from habitloop.core.learned_documents import Pool, named_sums
from habitloop.embedded import Habitloop
from habitloop.learning import repository as learning_repository
from habitloop.models import BanditModelRow, BanditPopulationRow, PlanItemRow, UserRow
from habitloop.models.base import table_of
from habitloop.plans import service as plans_service
from habitloop.tasks.files import configured_library
from tests.conftest import database_url_for, make_settings

DAYS = 5
CLONES = 12


@pytest.fixture
def seeded(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Seeded, Any]:
    url = database_url_for(
        backend, request, tmp_path_factory, f"bench_clone_{uuid.uuid4().hex[:8]}"
    )
    settings = make_settings(url)
    seeded = seed_templates(settings, DAYS, per_archetype=1)
    add_clones(seeded, settings, CLONES)
    return seeded, settings


def _same_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Key every plan's random generator to one user, so two users with the same state get
    the same plan."""
    keyed = plans_service.plan_seed
    anyone = uuid.UUID(int=1)
    monkeypatch.setattr(
        plans_service, "plan_seed", lambda _user, day, salt, rev: keyed(anyone, day, salt, rev)
    )


def _rows(hl: Habitloop, user_id: uuid.UUID) -> dict[str, int]:
    with hl.application.db.transaction(write=False) as session:
        return {
            table_of(m).name: session.scalar(
                select(func.count())
                .select_from(table_of(m))
                .where(table_of(m).c.user_id == user_id)
            )
            or 0
            for m in PER_USER
        }


def _without_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plans read the archetype's pool, which the template's own plan and answers move before
    its clone's: read it as empty, so the two users' own rows alone decide their plans."""
    monkeypatch.setattr(learning_repository, "load_population", lambda _session, _arch: [])


def _plan(hl: Habitloop, user_id: uuid.UUID, day: Any) -> Any:
    return hl.plan(user_id, {"date": day.isoformat()})


def _answer(hl: Habitloop, user_id: uuid.UUID, plan: Any, day: Any) -> Any:
    at = datetime.combine(day, time(20, 0), UTC)
    statuses = ("completed", "skipped", "partial")
    events = [
        {"user_id": str(user_id), "plan_item_id": str(item.item_id), "status": statuses[k % 3],
         "occurred_at": at.isoformat()}
        for k, item in enumerate(plan.items)
    ]  # fmt: skip
    result = hl.feedback_batch(events, now=at)
    assert result.failed == 0
    return hl.profile(user_id, day + timedelta(days=1))


def test_a_clone_plans_and_learns_exactly_like_its_template(
    seeded: tuple[Seeded, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, settings = seeded
    _same_draws(monkeypatch)
    _without_pool(monkeypatch)
    template_of = {}
    with Habitloop(settings=settings) as hl:
        with hl.application.db.transaction(write=False) as session:
            users = table_of(UserRow)
            for row in session.execute(select(users.c.user_id, users.c.archetype)):
                template_of.setdefault(row.archetype, []).append(row.user_id)
        next_day = data.today + timedelta(days=1)
        for template in data.templates:
            clones = [u for u in template_of[template.archetype.value] if u != template.user_id]
            clone = clones[0]
            assert _rows(hl, clone) == _rows(hl, template.user_id)
            plan_t = _plan(hl, template.user_id, next_day)
            plan_c = _plan(hl, clone, next_day)
            profile_t = _answer(hl, template.user_id, plan_t, next_day)
            profile_c = _answer(hl, clone, plan_c, next_day)
            fields = {"plan_id", "user_id", "generated_ms"}
            items = {"item_id"}
            assert plan_c.model_dump(exclude=fields | {"items"}) == plan_t.model_dump(
                exclude=fields | {"items"}
            )
            assert [i.model_dump(exclude=items) for i in plan_c.items] == [
                i.model_dump(exclude=items) for i in plan_t.items
            ]
            assert profile_c.model_dump(exclude={"user_id"}) == profile_t.model_dump(
                exclude={"user_id"}
            )
            assert _model(hl, clone) == _model(hl, template.user_id)


def _model(hl: Habitloop, user_id: uuid.UUID) -> Any:
    models = table_of(BanditModelRow)
    with hl.application.db.transaction(write=False) as session:
        row = session.execute(select(models).where(models.c.user_id == user_id)).one()
    return row.weights, row.precision, row.ref, row.answers


def test_the_pooled_model_counts_every_clone(seeded: tuple[Seeded, Any]) -> None:
    data, settings = seeded
    space = feature_space(configured_library(settings))
    models, users = table_of(BanditModelRow), table_of(UserRow)
    population = table_of(BanditPopulationRow)
    with Habitloop(settings=settings) as hl, hl.application.db.transaction(write=False) as session:
        means: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        query = select(users.c.archetype, models.c.weights).join(
            models, models.c.user_id == users.c.user_id
        )
        for archetype, weights in session.execute(query):
            vector = [float(weights["mean"].get(n, 0.0)) for n in space.names]
            old = means.get(archetype, [0.0] * len(space))
            means[archetype] = [a + b for a, b in zip(old, vector, strict=True)]
            counts[archetype] = counts.get(archetype, 0) + 1
        shards: dict[str, list[tuple[float, dict[str, float]]]] = {}
        for row in session.execute(select(population)):
            named = named_sums(row.features, row.totals)
            shards.setdefault(row.archetype, []).append((row.users, named))
        for archetype, rows in shards.items():
            pool = Pool.of(rows)
            assert pool.users == counts[archetype]
            assert pool.weight_sums(space) == pytest.approx(means[archetype], abs=1e-9)
    assert len(data.user_ids) == len(make_templates(1)) + CLONES


def test_clones_keep_their_rows_references_intact(seeded: tuple[Seeded, Any]) -> None:
    """Every copied answer points at a copied item of the same user, every item at its plan."""
    _, settings = seeded
    with Habitloop(settings=settings) as hl, hl.application.db.transaction(write=False) as session:
        orphans = session.scalar(
            text(
                "SELECT count(*) FROM feedback f LEFT JOIN plan_items i "
                "ON i.user_id = f.user_id AND i.item_id = f.plan_item_id "
                "WHERE f.plan_item_id IS NOT NULL AND i.item_id IS NULL"
            )
        )
        loose = session.scalar(
            text(
                "SELECT count(*) FROM decisions d LEFT JOIN plan_items i "
                "ON i.user_id = d.user_id AND i.item_id = d.item_id AND i.plan_id = d.plan_id "
                "WHERE i.item_id IS NULL"
            )
        )
    assert (orphans, loose) == (0, 0)


def test_a_clones_ids_sort_as_its_templates_do(seeded: tuple[Seeded, Any]) -> None:
    """A copy keeps the time part of each id, so a clone's new rows append to its range of an
    index as the template's did."""
    data, settings = seeded
    items = table_of(PlanItemRow)
    template = data.templates[0].user_id
    with Habitloop(settings=settings) as hl, hl.application.db.transaction(write=False) as session:
        clone = session.scalar(
            select(table_of(UserRow).c.user_id).where(
                table_of(UserRow).c.archetype == data.templates[0].archetype.value,
                table_of(UserRow).c.user_id != template,
            )
        )

        def in_id_order(user_id: uuid.UUID) -> list[tuple[Any, int]]:
            query = select(items.c.plan_date, items.c.position, items.c.item_id).where(
                items.c.user_id == user_id
            )
            rows = sorted(session.execute(query), key=lambda r: r.item_id)
            return [(r.plan_date, r.position) for r in rows]

        order = in_id_order(template)
        assert in_id_order(clone) == order
        assert [day for day, _ in order] == sorted(day for day, _ in order)
        assert len(order) >= DAYS * 7
