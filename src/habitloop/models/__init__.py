"""ORM tables, one file per table. Importing this package registers them all on ``Base``."""

from habitloop.models.bandit import BanditModelRow, BanditPopulationRow
from habitloop.models.base import Base
from habitloop.models.checkin import CheckinRow
from habitloop.models.decision import DecisionRow
from habitloop.models.feedback import FeedbackRow
from habitloop.models.incident import IncidentRow
from habitloop.models.library_state import LibraryStateRow
from habitloop.models.plan import PlanRow
from habitloop.models.plan_item import PlanItemRow
from habitloop.models.profile import ProfileRow
from habitloop.models.rotation import RotationRow
from habitloop.models.task import TaskRow
from habitloop.models.user import UserRow
from habitloop.models.weekly_summary import WeeklySummaryRow

__all__ = [
    "BanditModelRow",
    "BanditPopulationRow",
    "Base",
    "CheckinRow",
    "DecisionRow",
    "FeedbackRow",
    "IncidentRow",
    "LibraryStateRow",
    "PlanItemRow",
    "PlanRow",
    "ProfileRow",
    "RotationRow",
    "TaskRow",
    "UserRow",
    "WeeklySummaryRow",
]
