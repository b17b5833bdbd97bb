"""The HTTP API."""

from habitloop.api.app import create_app

__all__ = ["create_app"]
