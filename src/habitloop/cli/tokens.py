"""``habitloop token``: a bearer token signed with the service's secret, for curl and scripts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

import typer

from habitloop.auth import issue_token, resolve_secret
from habitloop.cli.common import reports_errors, start


@reports_errors
def token(
    user_id: Annotated[
        UUID | None,
        typer.Argument(
            metavar="USER_ID",
            help="The user's UUID (optional with --service).",
            show_default=False,
        ),
    ] = None,
    service: Annotated[
        bool, typer.Option("--service", help="A service_role token, which may act on any user.")
    ] = False,
    ttl: Annotated[
        int | None,
        typer.Option(
            "--ttl",
            min=1,
            help=(
                "Lifetime in seconds (default: HABITLOOP_TOKEN_TTL_SECONDS, 3600); at most "
                "HABITLOOP_TOKEN_MAX_TTL_SECONDS (86400), beyond which the server refuses it."
            ),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print a JWT for USER_ID, and nothing else, so TOKEN=$(habitloop token ...) works."""
    if user_id is None and not service:
        raise typer.BadParameter(
            "a user token needs USER_ID (or pass --service)", param_hint="USER_ID"
        )
    settings = start()
    if ttl is not None and ttl > settings.token_max_ttl_seconds:
        raise typer.BadParameter(
            f"{ttl} seconds is longer than the server accepts "
            f"(HABITLOOP_TOKEN_MAX_TTL_SECONDS={settings.token_max_ttl_seconds})",
            param_hint="--ttl",
        )
    lifetime = timedelta(seconds=ttl if ttl is not None else settings.token_ttl_seconds)
    secret = resolve_secret(settings)
    typer.echo(issue_token(secret, user_id, service=service, ttl=lifetime, now=datetime.now(UTC)))
