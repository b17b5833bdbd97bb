from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from habitloop.api.deps import ContextDep, CurrentPrincipal, ServicePrincipal
from habitloop.api.responses import ERRORS
from habitloop.errors import BadRequest
from habitloop.schema_types import CategoryIn
from habitloop.tasks import service
from habitloop.tasks.schemas import TaskIn, TaskOut

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"], responses=ERRORS)


@router.get("", response_model=list[TaskOut])
async def list_tasks(
    _: CurrentPrincipal,
    ctx: ContextDep,
    category: CategoryIn | None = None,
    active: bool | None = None,
) -> list[TaskOut]:
    library = await ctx.read(ctx.library.current)
    return service.list_tasks(library, category=category, active=active)


@router.get("/{task_id}", response_model=TaskOut)
async def get_task(task_id: UUID, _: CurrentPrincipal, ctx: ContextDep) -> TaskOut:
    library = await ctx.read(ctx.library.current)
    return service.find_task(library, task_id=task_id)


@router.post("", response_model=TaskOut, status_code=201)
async def create_task(body: TaskIn, _: ServicePrincipal, ctx: ContextDep) -> TaskOut:
    return await ctx.write(service.save_task, task=body, create=True)


@router.put("/{task_id}", response_model=TaskOut)
async def update_task(task_id: UUID, body: TaskIn, _: ServicePrincipal, ctx: ContextDep) -> TaskOut:
    if body.id != task_id:
        raise BadRequest(f"the body's id {body.id} does not match the path's {task_id}")
    return await ctx.write(service.save_task, task=body, create=False)
