"""``habitloop token``: a bearer token signed with the service's secret, for curl and scripts,
or a sign-in link for the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated
from uuid import UUID

import typer

from habitloop.auth import issue_token, resolve_secret
from habitloop.cli.common import reports_errors, start

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def signin_link(base_url: str, token: str) -> str:
    """The token rides after ``#``: a browser never sends that part, so it stays out of the
    server's logs; the sign-in page reads it and keeps it in a cookie."""
    return f"{base_url.rstrip('/')}/signin#token={token}"


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
    link: Annotated[
        bool,
        typer.Option(
            "--link",
            help="Print a sign-in link for the pages instead (today's plan, or the dashboard "
            "with --service); it works until the token expires.",
        ),
    ] = False,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the server is, for --link.")
    ] = DEFAULT_BASE_URL,
) -> None:
    """Print a JWT for USER_ID (or a sign-in link with --link), and nothing else, so
    TOKEN=$(habitloop token ...) works."""
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
    issued = issue_token(secret, user_id, service=service, ttl=lifetime, now=datetime.now(UTC))
    typer.echo(signin_link(base_url, issued) if link else issued)
