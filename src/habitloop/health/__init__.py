"""Liveness and the detailed health report."""
