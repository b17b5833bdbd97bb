from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from habitloop.api.deps import (
    ContextDep,
    CurrentPrincipal,
    ReadSession,
    ServicePrincipal,
    WriteSession,
)
from habitloop.api.responses import ERRORS
from habitloop.errors import BadRequest
from habitloop.schema_types import CategoryIn
from habitloop.tasks import service
from habitloop.tasks.schemas import TaskIn, TaskOut

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"], responses=ERRORS)


@router.get("", response_model=list[TaskOut])
def list_tasks(
    _: CurrentPrincipal,
    ctx: ContextDep,
    session: ReadSession,
    category: CategoryIn | None = None,
    active: bool | None = None,
) -> list[TaskOut]:
    return service.list_tasks(ctx.library.current(session), category, active)


@router.get("/{task_id}", response_model=TaskOut)
def get_task(task_id: UUID, _: CurrentPrincipal, ctx: ContextDep, session: ReadSession) -> TaskOut:
    return service.find_task(ctx.library.current(session), task_id)


@router.post("", response_model=TaskOut, status_code=201)
def create_task(body: TaskIn, _: ServicePrincipal, session: WriteSession) -> TaskOut:
    return service.save_task(session, body, create=True)


@router.put("/{task_id}", response_model=TaskOut)
def update_task(task_id: UUID, body: TaskIn, _: ServicePrincipal, session: WriteSession) -> TaskOut:
    if body.id != task_id:
        raise BadRequest(f"the body's id {body.id} does not match the path's {task_id}")
    return service.save_task(session, body, create=False)
