"""Text in requests: every string a route takes (body, path, query or header) is the shared
``SafeStr`` type, so NUL and lone surrogates are a 422 everywhere; and a refusal about such
text never repeats it raw (the answer could not be encoded: a 500 instead of the 422)."""

from __future__ import annotations

import importlib
import pkgutil
import types
from collections.abc import Callable, Iterator
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AfterValidator, BaseModel, BeforeValidator

import habitloop
from habitloop import schema_types
from tests.conftest import UserHandle
from tests.support.http import escaped

# Raw events, each validated on its own as a FeedbackIn (whose strings are all checked).
RAW_DOCUMENTS = {"BatchIn.events"}


def routes() -> Iterator[APIRoute]:
    for module in pkgutil.walk_packages(habitloop.__path__, "habitloop."):
        if module.name.endswith(".endpoints"):
            router = importlib.import_module(module.name).router
            yield from (r for r in router.routes if isinstance(r, APIRoute))


def parameters(dependant: Dependant) -> Iterator[tuple[str, Any, list[Any]]]:
    for param in (
        *dependant.path_params,
        *dependant.query_params,
        *dependant.header_params,
        *dependant.body_params,
    ):
        yield param.name, param.field_info.annotation, list(param.field_info.metadata)
    for sub in dependant.dependencies:
        yield from parameters(sub)


def _checks_text(meta: list[Any]) -> bool:
    return any(isinstance(m, AfterValidator) and m.func is schema_types._storable for m in meta)


def _checks_document(meta: list[Any]) -> bool:
    return any(
        isinstance(m, BeforeValidator) and m.func is schema_types.storable_document for m in meta
    )


def unchecked_strings(kind: Any, meta: list[Any], where: str, seen: set[type]) -> Iterator[str]:
    """Where a string can arrive that neither ``SafeStr`` nor a whole-document check sees."""
    if _checks_document(meta) or where in RAW_DOCUMENTS:
        return
    if get_origin(kind) is Annotated:
        inner, *more = get_args(kind)
        yield from unchecked_strings(inner, [*meta, *more], where, seen)
    elif isinstance(kind, type) and issubclass(kind, Enum):
        return
    elif kind is str:
        if not _checks_text(meta):
            yield where
    elif isinstance(kind, type) and issubclass(kind, BaseModel):
        if kind in seen:
            return
        seen.add(kind)
        for name, field in kind.model_fields.items():
            yield from unchecked_strings(
                field.annotation, list(field.metadata), f"{kind.__name__}.{name}", seen
            )
    elif get_origin(kind) in (Union, types.UnionType, list, tuple, dict, set, frozenset):
        for arg in get_args(kind):
            if arg is not Ellipsis:
                yield from unchecked_strings(arg, [], where, seen)


def test_every_string_a_route_takes_is_checked_text() -> None:
    found = {
        f"{sorted(route.methods)[0]} {route.path}: {place}"
        for route in routes()
        for name, kind, meta in parameters(route.dependant)
        for place in unchecked_strings(kind, meta, name, set())
    }
    assert found == set()


def test_the_check_finds_a_plain_string() -> None:
    class Loose(BaseModel):
        text: str
        safe: schema_types.SafeStr

    assert list(unchecked_strings(Loose, [], "body", set())) == ["Loose.text"]


@pytest.mark.parametrize(
    "body",
    [
        {"archetype": "peak_performer", "\ud800": 1},
        {"archetype": "\ud800"},
        {"archetype": "peak_performer", "categories": ["\ud800"]},
        {"archetype": "peak_performer", "wake_time": "\ud800"},
    ],
    ids=["key", "vocabulary", "list-of-vocabulary", "clock"],
)
def test_a_refusal_naming_a_lone_surrogate_is_still_a_422(
    new_user: Callable[..., UserHandle], body: dict[str, Any]
) -> None:
    user = new_user(create=False)
    response = user.client.put(f"/api/v1/users/{user.id}", **escaped(body, user.headers))
    assert response.status_code == 422, response.text
    assert set(response.json()) >= {"error", "detail"}
