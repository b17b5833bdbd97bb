"""habitloop: daily wellness plans from a curated task library, learned from what each user does.

The public library surface; the HTTP service is ``habitloop.api.create_app``.
"""

from habitloop.embedded import Habitloop
from habitloop.errors import (
    BadRequest,
    Conflict,
    FeatureDisabled,
    Forbidden,
    HabitloopError,
    NotFound,
    Unauthorized,
    Unavailable,
)
from habitloop.settings import Settings, load_settings

__all__ = [
    "BadRequest",
    "Conflict",
    "FeatureDisabled",
    "Forbidden",
    "Habitloop",
    "HabitloopError",
    "NotFound",
    "Settings",
    "Unauthorized",
    "Unavailable",
    "load_settings",
]
