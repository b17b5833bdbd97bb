"""My week (``/app/week``): the weekly summary (figures, charts, insights) and the learned
profile in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from habitloop.api.deps import ContextDep
from habitloop.core.summary import IsoWeek
from habitloop.errors import FeatureDisabled
from habitloop.learning.profiles import read_profile
from habitloop.learning.schemas import ProfileOut
from habitloop.settings import Settings
from habitloop.summaries.schemas import WeekIn, WeeklySummaryOut
from habitloop.summaries.service import parse_week, read_summary
from habitloop.tasks.service import LibrarySource
from habitloop.web import charts
from habitloop.web.rendering import PageRoute, render
from habitloop.web.session import SignedInUser, csrf_token, session_token
from habitloop.web.words import profile_sentences

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@dataclass(frozen=True)
class WeekView:
    summary: WeeklySummaryOut | None
    unavailable: str | None
    profile: ProfileOut
    sentences: list[str]


def week_view(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    user_id: UUID,
    week: IsoWeek | None,
    now: datetime,
) -> WeekView:
    """The week's summary (or why there is none) and the profile as of the week's end (today
    for the week still running)."""
    summary: WeeklySummaryOut | None = None
    unavailable = None
    try:
        summary = read_summary(session, settings=settings, user_id=user_id, week=week, now=now)
    except FeatureDisabled as exc:
        unavailable = exc.message
    as_of = min(summary.end, now.date()) if summary is not None else now.date()
    profile = read_profile(
        session, settings=settings, library_cache=library_cache, user_id=user_id, as_of=as_of
    )
    return WeekView(summary, unavailable, profile, profile_sentences(profile))


def _neighbours(summary: WeeklySummaryOut | None, today: date) -> tuple[str | None, str | None]:
    """The weeks before and after the one shown; none after the week that holds today."""
    if summary is None:
        return None, None
    shown = IsoWeek.parse(summary.week)
    following = IsoWeek.containing(shown.end + timedelta(days=1))
    return str(shown.previous), str(following) if following.start <= today else None


@router.get("/app/week")
async def my_week(
    request: Request, ctx: ContextDep, principal: SignedInUser, week: WeekIn | None = None
) -> Response:
    assert principal.user_id is not None
    now = datetime.now(UTC)
    view = await ctx.read(
        week_view,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=principal.user_id,
        week=parse_week(week) if week else None,
        now=now,
    )
    previous, following = _neighbours(view.summary, now.date())
    context = {
        "page": "week",
        "view": view,
        "previous": previous,
        "following": following,
        "charts": charts.week_charts(view.summary) if view.summary is not None else None,
        "csrf": csrf_token(ctx, session_token(request)),
    }
    return render(request, "week.html", context)
