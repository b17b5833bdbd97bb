"""Weekly summaries' use cases inside the caller's transaction: one user's week read (the API,
the pages), and a range of users' weeks stored (``habitloop summaries run``), both from the
same statement and the same rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.phases import PhaseRules
from habitloop.core.summary import (
    CategoryRate,
    Friction,
    IsoWeek,
    TaskCount,
    WeeklySummary,
    last_full_week,
    summarise,
)
from habitloop.core.summary_insights import Insight
from habitloop.errors import BadRequest, FeatureDisabled, NotFound
from habitloop.learning.schemas import FrictionOut
from habitloop.settings import Settings
from habitloop.summaries import repository as repo
from habitloop.summaries.schemas import (
    CategoryOut,
    CategoryRateOut,
    DayOut,
    InsightOut,
    PhaseProgressOut,
    PreviousWeekOut,
    TaskOut,
    WeeklySummaryOut,
)
from habitloop.users import repository as users_repo
from habitloop.users.service import user_not_found

UUID_SPACE = 1 << 128


def require_summaries(settings: Settings) -> None:
    if not settings.weekly_summaries_enabled:
        raise FeatureDisabled(
            "weekly summaries are disabled (WEEKLY_SUMMARIES_ENABLED=false); nothing was computed"
        )


def parse_week(text: str) -> IsoWeek:
    try:
        return IsoWeek.parse(text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def local_today(timezone: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def read_summary(
    session: Session,
    *,
    settings: Settings,
    user_id: UUID,
    week: IsoWeek | None,
    now: datetime | None = None,
) -> WeeklySummaryOut:
    """``user_id``'s summary of ``week``, computed from their plans and answers as they are
    now; without a week, the last full week in the user's time zone (on ``now``, default the
    clock)."""
    require_summaries(settings)
    user = users_repo.get_user(session, user_id)
    if user is None:
        raise user_not_found(user_id)
    if week is None:
        week = last_full_week(local_today(user.timezone, now or datetime.now(UTC)))
    figures = repo.week_figures(session, user_id, week)
    if figures is None:
        raise user_not_found(user_id)
    return summary_out(user_id, summarise(figures, PhaseRules()))


def read_stored(session: Session, *, user_id: UUID, week: IsoWeek) -> WeeklySummaryOut:
    """The summary as the last run stored it; 404 when no run covered the week."""
    found = repo.stored(session, user_id, week)
    if found is None:
        raise NotFound(f"no stored summary of {week} for user {user_id}")
    return summary_out(user_id, summarise(found.figures, PhaseRules()))


def store_range(
    session: Session, *, settings: Settings, week: IsoWeek, first: UUID, last: UUID
) -> int:
    """Store the week of every user with an id in [first, last]; rows written (unchanged
    weeks are not)."""
    require_summaries(settings)
    return repo.store_range(session, week, first, last)


def count_users(session: Session, *, first: UUID, last: UUID) -> int:
    return repo.count_users(session, first, last)


def chunk_end(session: Session, *, cursor: UUID, last: UUID, size: int) -> UUID | None:
    return repo.chunk_end(session, cursor, last, size)


JOB_NAME = repo.JOB_NAME


def scheduled_job_script(cron: str) -> str:
    """SQL that schedules the weekly job with pg_cron, for a superuser (or Supabase's SQL
    editor) to run."""
    return (
        "CREATE EXTENSION IF NOT EXISTS pg_cron;\n"
        f"SELECT cron.schedule('{JOB_NAME}', '{cron}', $job$\n{repo.scheduled_job_sql()}\n$job$);"
    )


def schedule_job(session: Session, *, settings: Settings, cron: str) -> int:
    """Schedule the weekly job in the session's database (its owner's, or a superuser's);
    its id."""
    require_summaries(settings)
    return repo.schedule_job(session, cron)


def part_range(part: int, parts: int) -> tuple[UUID, UUID]:
    """The ids of part ``part`` (1-based) of ``parts`` equal slices of the id space, so that
    workers given different parts never share a user."""
    if not 1 <= part <= parts:
        raise BadRequest(f"part {part} of {parts}: a part lies in 1..{parts}")
    first = UUID_SPACE * (part - 1) // parts
    last = UUID_SPACE * part // parts - 1
    return UUID(int=first), UUID(int=last)


def next_id(user_id: UUID) -> UUID | None:
    following = user_id.int + 1
    return UUID(int=following) if following < UUID_SPACE else None


# ---- the summary as the API shows it --------------------------------------------------------


def _task(task: TaskCount) -> TaskOut:
    return TaskOut(
        task_id=task.task_id,
        name=task.name,
        category=task.category,
        completed=task.completed,
        partial=task.partial,
        total=task.scheduled,
    )


def _category_rate(rate: CategoryRate) -> CategoryRateOut:
    return CategoryRateOut(
        category=rate.category, completed=rate.completed, total=rate.total, rate=round(rate.rate, 4)
    )


def _insight(insight: Insight) -> InsightOut:
    return InsightOut(
        kind=insight.kind, text=insight.text, figure=insight.figure, value=insight.value
    )


def _friction(friction: Friction) -> FrictionOut:
    return FrictionOut.model_validate({"score": friction.score, "level": friction.level})


def _rate(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _categories(summary: WeeklySummary) -> list[CategoryOut]:
    out = []
    for c in summary.categories:
        friction = summary.friction.get(c.category)
        out.append(
            CategoryOut(
                category=c.category,
                scheduled=c.scheduled,
                completed=c.completed,
                partial=c.partial,
                skipped=c.skipped,
                completion_rate=_rate(c.rate),
                variations=c.variations,
                friction=_friction(friction) if friction is not None else None,
            )
        )
    return out


def _phase(summary: WeeklySummary) -> PhaseProgressOut:
    p = summary.phase
    return PhaseProgressOut(
        phase=p.phase,
        since=p.since,
        locked=p.locked,
        next_phase=p.next_phase,
        progress=p.progress,
        days_in_phase=p.days_in_phase,
        days_needed=p.days_needed,
        completions_in_phase=p.completions_in_phase,
        completions_needed=p.completions_needed,
    )


def summary_out(user_id: UUID, summary: WeeklySummary) -> WeeklySummaryOut:
    week, totals, before = summary.week, summary.totals, summary.previous
    return WeeklySummaryOut(
        user_id=user_id,
        week=str(week),
        start=week.start,
        end=week.end,
        scheduled=totals.scheduled,
        completed=totals.completed,
        partial=totals.partial,
        skipped=summary.skipped,
        completion_rate=_rate(totals.rate),
        change=_rate(summary.change),
        active_days=summary.active_days,
        previous=PreviousWeekOut(
            week=str(week.previous),
            scheduled=before.scheduled,
            completed=before.completed,
            partial=before.partial,
            completion_rate=_rate(before.rate),
            active_days=summary.previous_active_days,
        ),
        days=[
            DayOut(date=d.day, scheduled=d.scheduled, completed=d.completed, partial=d.partial)
            for d in summary.days
        ],
        categories=_categories(summary),
        top_categories=[_category_rate(r) for r in summary.top_categories],
        top_tasks=[_task(t) for t in summary.top_tasks],
        improvement_areas=[_category_rate(r) for r in summary.improvement_areas],
        streak_current=summary.streak_current,
        streak_longest=summary.streak_longest,
        new_tasks=[_task(t) for t in summary.new_tasks],
        variations=dict(summary.variations),
        learning_phase=_phase(summary),
        friction={c: _friction(f) for c, f in summary.friction.items()},
        insights=[_insight(i) for i in summary.insights],
        suggestions=[_insight(i) for i in summary.suggestions],
    )
