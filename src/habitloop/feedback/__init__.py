"""Feedback intake and the learned profile it updates."""
