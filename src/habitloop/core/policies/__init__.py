"""Policies choose one task per slot from scored candidates."""

from habitloop.core.policies.adaptive import AdaptivePolicy
from habitloop.core.policies.base import Policy, Selection, SlotContext
from habitloop.core.policies.dynamic import DynamicPolicy
from habitloop.core.policies.static import StaticPolicy

__all__ = ["AdaptivePolicy", "DynamicPolicy", "Policy", "Selection", "SlotContext", "StaticPolicy"]
