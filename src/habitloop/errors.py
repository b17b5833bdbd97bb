"""Domain errors. Each carries its HTTP status; one handler in ``habitloop.api`` renders them as
``{"error": "<Type>", "detail": "<message>"}``."""

from __future__ import annotations


class HabitloopError(Exception):
    status: int = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    @property
    def kind(self) -> str:
        return type(self).__name__


class BadRequest(HabitloopError):
    status = 422


class Unauthorized(HabitloopError):
    status = 401


class Forbidden(HabitloopError):
    status = 403


class NotFound(HabitloopError):
    status = 404


class Conflict(HabitloopError):
    status = 409


class Unavailable(HabitloopError):
    status = 503


class FeatureDisabled(HabitloopError):
    """A feature switched off by its flag: the request is understood but not served."""

    status = 503
