"""Today (``/app``): the day's plan by time block, and the answers given from it.

Every write goes through the service the API's own route calls (plans, feedback, swaps); a
request from the page's script gets the plan's part of the page back, rendered again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, BeforeValidator, Field
from sqlalchemy.orm import Session

from habitloop.api.deps import ContextDep
from habitloop.core.blocks import BLOCK_ORDER
from habitloop.core.vocab import CompletionStatus, SkipReason, TimeBlock
from habitloop.errors import NotFound
from habitloop.feedback.answers import answers_for_items
from habitloop.feedback.schemas import AnswerOut, FeedbackIn
from habitloop.feedback.service import record_feedback
from habitloop.plans.routine import BLOCK_PURPOSES
from habitloop.plans.schemas import PlanIn, PlanItemOut, PlanOut
from habitloop.plans.service import generate_plan, get_plan
from habitloop.schema_types import DayIn
from habitloop.swaps.schemas import SwapIn
from habitloop.swaps.service import swap_item
from habitloop.users.schemas import UserOut
from habitloop.users.service import get_user
from habitloop.web.rendering import PageRoute, render, wants_fragment
from habitloop.web.session import SignedInUser, WritingUser, csrf_token, session_token

router = APIRouter(route_class=PageRoute, include_in_schema=False)

BLOCK_TITLES = {
    TimeBlock.MORNING: "Morning",
    TimeBlock.PEAK: "Peak focus",
    TimeBlock.MIDDAY: "Midday",
    TimeBlock.AFTERNOON: "Afternoon",
    TimeBlock.WIND_DOWN: "Wind-down",
}


@dataclass(frozen=True)
class Block:
    key: TimeBlock
    title: str
    purpose: str
    items: list[PlanItemOut]


@dataclass(frozen=True)
class DayView:
    user: UserOut
    day: date
    today: date
    plan: PlanOut | None
    answers: dict[UUID, AnswerOut]

    @property
    def blocks(self) -> list[Block]:
        items = self.plan.items if self.plan is not None else []
        keys = sorted({i.time_block for i in items}, key=BLOCK_ORDER.__getitem__)
        return [
            Block(k, BLOCK_TITLES[k], BLOCK_PURPOSES[k], [i for i in items if i.time_block is k])
            for k in keys
        ]

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers.values() if a.explicit)

    @property
    def completed(self) -> int:
        return sum(1 for a in self.answers.values() if a.explicit and a.outcome == "completed")


def day_view(session: Session, *, user_id: UUID, day: date | None, now: datetime) -> DayView:
    """The user's plan for ``day`` (default: today where the user lives) with its answers."""
    user = get_user(session, user_id=user_id)
    local_today = now.astimezone(ZoneInfo(user.timezone)).date()
    day = day or local_today
    try:
        plan: PlanOut | None = get_plan(session, user_id=user_id, day=day)
    except NotFound:
        plan = None
    ids = [item.item_id for item in plan.items] if plan is not None else []
    answers = answers_for_items(session, user_id=user_id, item_ids=ids)
    return DayView(user, day, local_today, plan, answers)


async def _show(
    request: Request, ctx: ContextDep, user_id: UUID, day: date | None, focus: str = ""
) -> Response:
    view = await ctx.read(day_view, user_id=user_id, day=day, now=datetime.now(UTC))
    context = {"view": view, "csrf": csrf_token(ctx, session_token(request)), "page": "today"}
    if wants_fragment(request):
        return render(request, "_plan.html", context, headers={"X-Focus": focus})
    return render(request, "today.html", context)


async def _after_write(
    request: Request, ctx: ContextDep, user_id: UUID, day: date, focus: str
) -> Response:
    """The plan again for the page's script; a plain form post goes back to the page."""
    if wants_fragment(request):
        return await _show(request, ctx, user_id, day, focus)
    return RedirectResponse(f"/app?day={day.isoformat()}#{focus}", status_code=303)


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


class AnswerForm(BaseModel):
    """An answer from the page: a status, and a rating and a skip reason when given."""

    day: DayIn
    status: CompletionStatus
    satisfaction_rating: Annotated[
        Annotated[int, Field(ge=1, le=5)] | None, BeforeValidator(_blank_is_none)
    ] = None
    skip_reason: Annotated[SkipReason | None, BeforeValidator(_blank_is_none)] = None


class SwapForm(BaseModel):
    reason: Annotated[SkipReason | None, BeforeValidator(_blank_is_none)] = None


@router.get("/app")
async def today(
    request: Request, ctx: ContextDep, principal: SignedInUser, day: DayIn | None = None
) -> Response:
    assert principal.user_id is not None
    return await _show(request, ctx, principal.user_id, day)


@router.post("/app/plans/{day}")
async def make_plan(
    request: Request, ctx: ContextDep, principal: WritingUser, day: DayIn
) -> Response:
    assert principal.user_id is not None
    await ctx.write(
        generate_plan,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=principal.user_id,
        request=PlanIn(date=day),
    )
    return await _after_write(request, ctx, principal.user_id, day, "plan")


@router.post("/app/items/{item_id}/answer")
async def answer(
    request: Request,
    ctx: ContextDep,
    principal: WritingUser,
    item_id: UUID,
    form: Annotated[AnswerForm, Form()],
) -> Response:
    assert principal.user_id is not None
    completed = form.status is CompletionStatus.COMPLETED
    body = FeedbackIn(
        user_id=principal.user_id,
        plan_item_id=item_id,
        status=form.status,
        satisfaction_rating=form.satisfaction_rating,
        # The reason menu stays filled when the status moves back to done.
        skip_reason=None if completed else form.skip_reason,
    )
    await ctx.write(
        record_feedback,
        settings=ctx.settings,
        library_cache=ctx.library,
        body=body,
        key=None,
        now=datetime.now(UTC),
    )
    return await _after_write(request, ctx, principal.user_id, form.day, f"item-{item_id}")


@router.post("/app/plans/{day}/items/{item_id}/swap")
async def swap(
    request: Request,
    ctx: ContextDep,
    principal: WritingUser,
    day: DayIn,
    item_id: UUID,
    form: Annotated[SwapForm, Form()],
) -> Response:
    assert principal.user_id is not None
    new = await ctx.write(
        swap_item,
        settings=ctx.settings,
        library_cache=ctx.library,
        user_id=principal.user_id,
        day=day,
        item_id=item_id,
        body=SwapIn(reason=form.reason.value if form.reason else None),
        now=datetime.now(UTC),
    )
    return await _after_write(request, ctx, principal.user_id, day, f"item-{new.item_id}")
