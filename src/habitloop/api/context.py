"""What the running service shares across requests, built once in the app's lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from habitloop.api.metrics import AppMetrics
from habitloop.application import Application
from habitloop.db import Database
from habitloop.settings import Settings
from habitloop.tasks.service import LibraryCache


@dataclass(frozen=True)
class AppContext:
    application: Application
    jwt_secret: str
    metrics: AppMetrics

    @property
    def settings(self) -> Settings:
        return self.application.settings

    @property
    def db(self) -> Database:
        return self.application.db

    @property
    def library(self) -> LibraryCache:
        return self.application.library
