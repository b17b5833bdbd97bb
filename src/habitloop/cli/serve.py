"""``habitloop serve``: migrate, then run the API under uvicorn."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from habitloop.application import Application
from habitloop.auth import resolve_secret
from habitloop.cli.common import reports_errors, start, stdout
from habitloop.settings import load_settings
from habitloop.tasks.files import configured_library

if TYPE_CHECKING:
    from fastapi import FastAPI


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def app_factory() -> FastAPI:
    """What each uvicorn worker process builds when there are several (import string + factory)."""
    # Imported here so that commands other than `serve` do not pay for FastAPI's import.
    from habitloop.api.app import create_app

    return create_app(load_settings(), settle_heap=True)


@reports_errors
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to bind.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    log_level: Annotated[
        LogLevel | None,
        typer.Option(help="Log level (default: HABITLOOP_LOG_LEVEL, info).", show_default=False),
    ] = None,
) -> None:
    """Bring the database schema to head and load the library, then serve the API (docs at
    /docs)."""
    import uvicorn  # only `serve` needs the server stack

    from habitloop.api.app import create_app

    if log_level is not None:
        # Through the environment, so that worker processes, which read settings themselves,
        # see it too.
        os.environ["HABITLOOP_LOG_LEVEL"] = log_level.value
    settings = start()
    # Fail here, with a message, rather than inside every worker's startup.
    library = configured_library(settings)
    resolve_secret(settings)  # created once now, so workers starting together never race for it
    # Migrated and loaded once here: workers then find both done.
    application = Application.start(settings, migrate=True)
    database = application.db.engine.url.render_as_string(hide_password=True)
    application.close()
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    stdout().print(
        f"habitloop serving on {base} · database {database} · library {library.version} "
        f"({len(library)} tasks) · docs {base}/docs",
        soft_wrap=True,
        markup=False,
    )
    if workers == 1:
        app = create_app(settings, settle_heap=True)
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level)
    else:
        uvicorn.run(
            f"{__name__}:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.log_level,
        )
