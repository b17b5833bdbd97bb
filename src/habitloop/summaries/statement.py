"""The summaries' one statement: every user's week in figures, set-based, for a range of user
ids (or for all of them, as the scheduled job runs it).

The two weeks' plan items are joined with their answers once; from them, counts per user and
day (the week's days, and summed, the week before), per user and task (the tasks the summary
names) and per user and category (counted per variation group, then summed). With the counting
days of streaks and the users' phases they are joined per user into one row: its totals and a
``figures`` document (read back by ``repository.figures_of``), whose days, categories and tasks
are arrays of values in the order ``DAY_FIELDS``, ``CATEGORY_FIELDS`` and ``TASK_FIELDS`` name
them: cheaper to build for every user than objects repeating their keys. ``select_figures`` is
the aggregate; ``store_figures`` inserts it into ``weekly_summaries``, and where a row for the
(user, week) exists replaces it only when the figures differ, so that recomputing an unchanged
week writes nothing.

The week's bounds are SQL expressions: bound parameters for a run (``week_start``,
``week_end``, ``previous_start``, ``history_start``), or, for the job ``pg_cron`` runs, the
last full week computed by the database (``scheduled_bounds``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Insert,
    Integer,
    Select,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite

from habitloop.core.summary import TOP_TASKS
from habitloop.db.collation import codepoint_order
from habitloop.db.json_sql import document, json_array, json_array_agg, json_object
from habitloop.models import (
    FeedbackRow,
    PlanItemRow,
    ProfileRow,
    TaskRow,
    UserRow,
    WeeklySummaryRow,
)
from habitloop.models.base import table_of

USERS = table_of(UserRow)
ITEMS = table_of(PlanItemRow)
FEEDBACK = table_of(FeedbackRow)
PROFILES = table_of(ProfileRow)
SUMMARIES = table_of(WeeklySummaryRow)
TASKS = table_of(TaskRow)

DONE = ("completed", "partial")
CATEGORY_COUNTS = ("s", "c", "p", "k", "r", "rs", "ky", "km", "kn")
# The values of a day, a category and a task in the document, in order.
DAY_FIELDS = ("day", "s", "c", "p")
CATEGORY_FIELDS = ("category", "v", *CATEGORY_COUNTS)
TASK_FIELDS = ("task_id", "name", "category", "s", "c", "p", "new")


@dataclass(frozen=True)
class Bounds:
    """The days a summary reads: its week, the week before, and the counting days behind
    its streaks."""

    start: ColumnElement[Any]
    end: ColumnElement[Any]
    previous_start: ColumnElement[Any]
    history_start: ColumnElement[Any]


def bound_parameters() -> Bounds:
    return Bounds(
        bindparam("week_start", type_=Date),
        bindparam("week_end", type_=Date),
        bindparam("previous_start", type_=Date),
        bindparam("history_start", type_=Date),
    )


def scheduled_bounds(history_days: int) -> Bounds:
    """PostgreSQL: the last full ISO week by the database's clock (UTC), for a scheduled job."""
    monday = "(CAST(date_trunc('week', now() AT TIME ZONE 'UTC') AS date) - 7)"
    return Bounds(
        literal_column(monday, Date),
        literal_column(f"({monday} + 6)", Date),
        literal_column(f"({monday} - 7)", Date),
        literal_column(f"({monday} + 6 - {history_days - 1})", Date),
    )


def _in_range(column: ColumnElement[Any], ranged: bool) -> ColumnElement[bool]:
    if not ranged:
        return true()
    return and_(column >= bindparam("first", type_=Uuid), column <= bindparam("last", type_=Uuid))


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return _int(func.coalesce(func.sum(case((condition, 1), else_=0)), 0))


def _int(value: ColumnElement[Any]) -> ColumnElement[int]:
    # PostgreSQL adds up bigints as numeric, several times slower when summed again.
    return cast(value, Integer)


def _week_items(bounds: Bounds, ranged: bool) -> CTE:
    """The active items of the week and the week before, each with its answer, if any."""
    # An answer has its item's date: bounding both (and the range, on both sides) reads two
    # weeks of the chunk's own users' answers, not every user's whole history.
    answer = and_(
        FEEDBACK.c.user_id == ITEMS.c.user_id,
        FEEDBACK.c.plan_item_id == ITEMS.c.item_id,
        _in_range(FEEDBACK.c.user_id, ranged),
        FEEDBACK.c.plan_date >= bounds.previous_start,
        FEEDBACK.c.plan_date <= bounds.end,
    )
    return (
        select(
            ITEMS.c.user_id,
            ITEMS.c.plan_date,
            ITEMS.c.category,
            ITEMS.c.task_id,
            ITEMS.c.variation_group,
            FEEDBACK.c.outcome,
            FEEDBACK.c.satisfaction_rating,
            FEEDBACK.c.continue_preference,
        )
        .select_from(ITEMS.outerjoin(FEEDBACK, answer))
        .where(
            _in_range(ITEMS.c.user_id, ranged),
            ITEMS.c.active.is_(True),
            ITEMS.c.plan_date >= bounds.previous_start,
            ITEMS.c.plan_date <= bounds.end,
        )
        .cte("week_items")
    )


def _per_day(items: CTE) -> CTE:
    """Items scheduled, completed and partly done per user and day, over both weeks."""
    i = items.c
    return (
        select(
            i.user_id,
            i.plan_date,
            _int(func.count()).label("s"),
            _count_if(i.outcome == "completed").label("c"),
            _count_if(i.outcome == "partial").label("p"),
        )
        .group_by(i.user_id, i.plan_date)
        .cte("per_day")
    )


def _days(per_day: CTE, bounds: Bounds) -> CTE:
    d = per_day.c
    week = select(per_day).where(d.plan_date >= bounds.start).order_by(d.user_id, d.plan_date)
    days = week.subquery("week_day")
    entry = json_array(days.c.plan_date, days.c.s, days.c.c, days.c.p)  # DAY_FIELDS
    return (
        select(
            days.c.user_id,
            json_array_agg(entry, days.c.plan_date).label("doc"),
            func.sum(days.c.s).label("scheduled"),
            func.sum(days.c.c).label("completed"),
            func.sum(days.c.p).label("partial"),
        )
        .group_by(days.c.user_id)
        .cte("week_days")
    )


def _previous(per_day: CTE, bounds: Bounds) -> CTE:
    d = per_day.c
    return (
        select(
            d.user_id,
            func.sum(d.s).label("scheduled"),
            func.sum(d.c).label("completed"),
            func.sum(d.p).label("partial"),
        )
        .where(d.plan_date < bounds.start)
        .group_by(d.user_id)
        .cte("previous_week")
    )


def _per_task(items: CTE, bounds: Bounds) -> CTE:
    """The week's items scheduled, completed and partly done per user and task."""
    i = items.c
    return (
        select(
            i.user_id,
            i.task_id,
            i.category,
            _int(func.count()).label("s"),
            _count_if(i.outcome == "completed").label("c"),
            _count_if(i.outcome == "partial").label("p"),
        )
        .where(i.plan_date >= bounds.start)
        .group_by(i.user_id, i.task_id, i.category)
        .cte("week_tasks")
    )


def _total(column: ColumnElement[Any]) -> ColumnElement[int]:
    return _int(func.sum(column))


def _categories(items: CTE, bounds: Bounds) -> CTE:
    """The week's counts per user and category, and its variation groups: counted per group,
    then summed per category, where each group is a row. Both steps hash their groups;
    counting distinct groups would sort every item of the chunk first."""
    i = items.c
    counts = {
        "s": _int(func.count()),
        "c": _count_if(i.outcome == "completed"),
        "p": _count_if(i.outcome == "partial"),
        "k": _count_if(i.outcome == "skipped"),
        "r": _int(func.count(i.satisfaction_rating)),
        "rs": _int(func.coalesce(func.sum(i.satisfaction_rating), 0)),
        "ky": _count_if(i.continue_preference == "yes"),
        "km": _count_if(i.continue_preference == "maybe"),
        "kn": _count_if(i.continue_preference == "no"),
    }
    per_group = (
        select(i.user_id, i.category, *(counts[key].label(key) for key in CATEGORY_COUNTS))
        .where(i.plan_date >= bounds.start)
        .group_by(i.user_id, i.category, i.variation_group)
        .subquery("per_group")
    )
    g = per_group.c
    per_category = (
        select(
            g.user_id,
            g.category,
            *(_total(g[key]).label(key) for key in CATEGORY_COUNTS),
            func.count().label("v"),
        )
        .group_by(g.user_id, g.category)
        .order_by(g.user_id, g.category)
        .subquery("per_category")
    )
    c = per_category.c
    entry = json_array(*(c[name] for name in CATEGORY_FIELDS))
    return (
        select(c.user_id, json_array_agg(entry, c.category).label("doc"))
        .group_by(c.user_id)
        .cte("week_categories")
    )


def _tasks(per_task: CTE, bounds: Bounds) -> CTE:
    """The tasks the summary names: the week's most completed (``TOP_TASKS``, ranked as
    ``core.summary.top_tasks`` ranks them) and those first completed or partly done ever this
    week. Leaving the others out keeps each stored document a few hundred bytes."""
    t, f, task = per_task.c, FEEDBACK.c, TASKS.c
    # One probe of the partial index on done answers per task of the week, whatever the
    # length of the user's history.
    first_done = (
        select(func.min(f.plan_date))
        .where(f.user_id == t.user_id, f.task_id == t.task_id, f.outcome.in_(DONE))
        .where(f.plan_date <= bounds.end)
        .scalar_subquery()
    )
    rank = func.row_number().over(
        partition_by=t.user_id,
        order_by=(t.c.desc(), t.s.desc(), codepoint_order(task.name), t.task_id),
    )
    new = case((first_done >= bounds.start, 1), else_=0)
    # Names are the library's: read once per task of the week, not carried through its items.
    # A task not done this week can be neither top (it ranks behind every completed one) nor
    # new: it is not ranked, nor probed.
    ranked = (
        select(t.user_id, t.task_id, task.name, t.category, t.s, t.c, t.p)
        .add_columns(new.label("n"), rank.label("k"))
        .select_from(per_task.join(TASKS, task.id == t.task_id))
        .where(t.c + t.p > 0)
        .subquery("ranked")
    )
    g = ranked.c
    named = (
        select(ranked)
        .where(or_(and_(g.k <= TOP_TASKS, g.c > 0), g.n == 1))
        .order_by(g.user_id, g.task_id)
        .subquery("named")
    )
    n = named.c
    entry = json_array(n.task_id, n.name, n.category, n.s, n.c, n.p, n.n)  # TASK_FIELDS
    return (
        select(n.user_id, json_array_agg(entry, n.task_id).label("doc"))
        .group_by(n.user_id)
        .cte("week_task_docs")
    )


def _done_days(bounds: Bounds, ranged: bool) -> CTE:
    """The days with a completed or partial answer, the counting days of streaks."""
    f = FEEDBACK.c
    days = (
        select(f.user_id, f.plan_date)
        .where(
            _in_range(f.user_id, ranged),
            f.outcome.in_(DONE),
            f.plan_date >= bounds.history_start,
            f.plan_date <= bounds.end,
        )
        .group_by(f.user_id, f.plan_date)
        .order_by(f.user_id, f.plan_date)
        .subquery("counting_days")
    )
    in_week = _count_if(and_(days.c.plan_date >= bounds.start, days.c.plan_date <= bounds.end))
    return (
        select(
            days.c.user_id,
            json_array_agg(days.c.plan_date, days.c.plan_date).label("doc"),
            in_week.label("active_days"),
        )
        .group_by(days.c.user_id)
        .cte("done_days")
    )


def select_figures(bounds: Bounds, *, ranged: bool) -> Select[Any]:
    """Per user in the range: ``user_id, scheduled, completed, partial, active_days,
    figures``."""
    items = _week_items(bounds, ranged)
    per_day, per_task = _per_day(items), _per_task(items, bounds)
    days, before = _days(per_day, bounds), _previous(per_day, bounds)
    categories, tasks = _categories(items, bounds), _tasks(per_task, bounds)
    done = _done_days(bounds, ranged)
    u, profile = USERS.c, PROFILES.c
    in_phase = func.coalesce(profile.completions, 0) - u.phase_completions
    phase = json_object(
        "phase", u.learning_phase, "since", u.phase_since, "locked", u.phase_locked,
        "completions", case((in_phase > 0, in_phase), else_=0),
    )  # fmt: skip
    previous = json_object(
        "s", func.coalesce(before.c.scheduled, 0), "c", func.coalesce(before.c.completed, 0),
        "p", func.coalesce(before.c.partial, 0),
    )  # fmt: skip
    figures = json_object(
        "days", document(days.c.doc), "previous", previous,
        "categories", document(categories.c.doc), "tasks", document(tasks.c.doc),
        "done_days", document(done.c.doc), "phase", phase,
    )  # fmt: skip
    joined = (
        USERS.outerjoin(PROFILES, profile.user_id == u.user_id)
        .outerjoin(days, days.c.user_id == u.user_id)
        .outerjoin(before, before.c.user_id == u.user_id)
        .outerjoin(categories, categories.c.user_id == u.user_id)
        .outerjoin(tasks, tasks.c.user_id == u.user_id)
        .outerjoin(done, done.c.user_id == u.user_id)
    )
    return (
        select(
            u.user_id,
            bounds.start.label("week_start"),
            func.coalesce(days.c.scheduled, 0).cast(Integer).label("scheduled"),
            func.coalesce(days.c.completed, 0).cast(Integer).label("completed"),
            func.coalesce(days.c.partial, 0).cast(Integer).label("partial"),
            func.coalesce(done.c.active_days, 0).cast(Integer).label("active_days"),
            figures.label("figures"),
        )
        .select_from(joined)
        # Also what SQLite needs to read an upsert's ON CONFLICT after a join's ON.
        .where(_in_range(u.user_id, ranged))
    )


def store_figures(dialect: str, bounds: Bounds, *, ranged: bool) -> Insert:
    """``select_figures`` into ``weekly_summaries``; a stored row changes only when its figures
    do (and only then does ``computed_at`` move)."""
    source = select_figures(bounds, ranged=ranged)
    columns = ["user_id", "week_start", "scheduled", "completed", "partial", "active_days"]
    columns.append("figures")
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SUMMARIES)
    statement = insert.from_select(columns, source)
    excluded = statement.excluded
    changed = {name: excluded[name] for name in columns[2:]}
    return statement.on_conflict_do_update(
        index_elements=[SUMMARIES.c.user_id, SUMMARIES.c.week_start],
        set_={**changed, "computed_at": func.now()},
        # ``json`` has no equality: the documents are compared as the text they were built as.
        where=cast(SUMMARIES.c.figures, Text).is_distinct_from(cast(excluded.figures, Text)),
    )
