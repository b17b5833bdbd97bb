"""What every command shares: consoles, settings, the database, and errors turned into messages.

Expected failures (domain errors, refused libraries, bad settings, an unreachable database) end
the command with a red message on stderr and a non-zero exit; only bugs show a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn, ParamSpec, TextIO, TypeVar, cast

import structlog
import typer
from alembic.util import CommandError
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from habitloop.core.library import LibraryInvalid, Problem
from habitloop.db import Database, create_db_engine
from habitloop.db.migrate import is_up_to_date, upgrade
from habitloop.errors import HabitloopError, Unavailable
from habitloop.logging import configure_logging
from habitloop.settings import Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def stdout() -> Console:
    # Built per call: Rich reads the stream, width and colour support when a console is made,
    # and both change between invocations (pipes, CliRunner).
    return Console(highlight=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    stderr().print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(code)


def show_problems(problems: Sequence[Problem]) -> None:
    sources = sorted({p.source for p in problems})
    title = f"{len(problems)} problem(s) in {sources[0] if len(sources) == 1 else 'the library'}"
    table = Table(title=title, title_style="bold red", header_style="bold")
    if len(sources) > 1:
        table.add_column("source")
    for name in ("task", "field", "why"):
        table.add_column(name, overflow="fold")
    for p in problems:
        cells = (p.task, p.field, p.why)
        table.add_row(*((p.source, *cells) if len(sources) > 1 else cells))
    stderr().print(table)


def _settings_problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '-'}: {e['msg']}" for e in exc.errors())


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the failures a user can fix into a message and an exit code."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except LibraryInvalid as exc:
            show_problems(exc.problems)
            fail("the task library was refused; nothing was changed")
        except HabitloopError as exc:
            fail(exc.message)
        except ValidationError as exc:
            fail(f"invalid settings or input: {_settings_problems(exc)}", EXIT_BAD_INPUT)
        except CommandError as exc:
            fail(f"migration: {exc}")
        except SQLAlchemyError as exc:
            detail = exc.orig if isinstance(exc, DBAPIError) else exc
            fail(f"database: {' '.join(str(detail).split())}")
        except OSError as exc:
            fail(str(exc))

    return run


class _Stderr:
    """Resolves ``sys.stderr`` on every write, so a swapped stream (tests) is always honoured."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def start() -> Settings:
    """Settings from the environment, and logging set up to stay off stdout: stdout carries
    what scripts capture (a token, a plan's JSON)."""
    settings = load_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(cast(TextIO, _Stderr())))
    return settings


@contextmanager
def engine_for(settings: Settings) -> Iterator[Engine]:
    engine = create_db_engine(settings)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def open_database(settings: Settings, *, migrate: bool) -> Iterator[Database]:
    """The database at the current schema: migrated when ``migrate``, else refused if behind."""
    db = Database(create_db_engine(settings))
    try:
        if not is_up_to_date(db.engine):
            if not migrate:
                raise Unavailable("the database schema is not current; run `habitloop db upgrade`")
            upgrade(db.engine)
        yield db
    finally:
        db.dispose()
