"""The API speaks the library file's task format: one model validates both."""

from __future__ import annotations

from habitloop.core.library import Task

TaskIn = Task
TaskOut = Task
