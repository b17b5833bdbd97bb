"""The API speaks the library file's task format: one model validates both."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator

from habitloop.core.library import Task
from habitloop.schema_types import storable_document

# The library's own text type (core cannot depend on the API's types) refuses NUL only; a task
# sent to the API is held to what every other request's text is.
TaskIn = Annotated[Task, BeforeValidator(storable_document)]
TaskOut = Task
