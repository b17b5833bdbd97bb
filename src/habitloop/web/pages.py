"""Mounting the pages on the app: templates, static files and the routers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from habitloop.web.admin import router as admin_router
from habitloop.web.rendering import page_environment
from habitloop.web.signin import router as signin_router
from habitloop.web.today import router as today_router
from habitloop.web.week import router as week_router


async def _home(request: Request) -> RedirectResponse:
    return RedirectResponse("/app", status_code=303)


def install_pages(app: FastAPI) -> None:
    app.state.pages = page_environment()
    app.mount("/static", StaticFiles(packages=[("habitloop.web", "static")]), name="static")
    for router in (signin_router, today_router, week_router, admin_router):
        app.include_router(router)
    app.add_api_route("/", _home, include_in_schema=False)
