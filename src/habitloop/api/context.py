"""What the running service shares across requests, built once in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from habitloop.api.metrics import AppMetrics
from habitloop.db import Database
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache


@dataclass
class AppContext:
    settings: Settings
    db: Database
    library: LibraryCache
    jwt_secret: str
    metrics: AppMetrics
