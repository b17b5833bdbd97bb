from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from habitloop.api.deps import ContextDep, OwnUserId
from habitloop.api.responses import ERRORS, ErrorOut
from habitloop.summaries import service
from habitloop.summaries.schemas import WeekIn, WeeklySummaryOut

router = APIRouter(tags=["summaries"], responses=ERRORS)

DISABLED: dict[int | str, dict[str, Any]] = {
    503: {
        "model": ErrorOut,
        "description": "weekly summaries are disabled (WEEKLY_SUMMARIES_ENABLED=false), "
        "or the database is unavailable",
    }
}


@router.get(
    "/api/v1/feedback/weekly-summary/{user_id}",
    response_model=WeeklySummaryOut,
    responses=DISABLED,
    summary="A user's ISO week in figures and plain words (default: the last full week)",
)
async def get_weekly_summary(
    user_id: OwnUserId, ctx: ContextDep, week: WeekIn | None = None
) -> WeeklySummaryOut:
    return await ctx.read(
        service.read_summary,
        settings=ctx.settings,
        user_id=user_id,
        week=service.parse_week(week) if week is not None else None,
    )
