"""Templates, the headers every page carries, and errors shown as pages instead of JSON.

A request sent by the pages' script (header ``X-Habitloop-Fragment``) gets a fragment back:
the part of the page to replace, or the error message alone, for the script to show."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape

from habitloop.api.limits import RateLimited
from habitloop.errors import HabitloopError

FRAGMENT_HEADER = "X-Habitloop-Fragment"
# Nothing is loaded from elsewhere; inline SVG is markup, not a style or a script.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # Pages show one person's data: never kept by a shared cache or the back button's.
    "Cache-Control": "no-store",
}


def page_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("habitloop.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = percent
    return env


def percent(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def wants_fragment(request: Request) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    env: Environment = request.app.state.pages
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{field or 'input'}: {error.get('msg', 'invalid value')}")
    return "; ".join(parts) or "invalid input"


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    if wants_fragment(request):
        return render(request, "_error.html", {"message": message}, status=status)
    if status == 401 and request.method == "GET":
        return render(request, "signin.html", {"message": message}, status=401)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


class PageRoute(APIRoute):
    """A page's route: domain errors and invalid input become a page (or a fragment) with the
    error's 4xx status and message."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RateLimited as exc:
                response = error_page(request, exc.status, exc.message)
                response.headers["Retry-After"] = str(exc.retry_after)
                return response
            except HabitloopError as exc:
                return error_page(request, exc.status, exc.message)
            except RequestValidationError as exc:
                return error_page(request, 422, _validation_message(exc))

        return handle
