"""Shared helpers for the habitloop test suite."""
