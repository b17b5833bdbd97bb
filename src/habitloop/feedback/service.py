"""Recording feedback: exactly once, idempotent, and seen by the profile in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.blocks import block_for
from habitloop.core.library import Library, Task
from habitloop.core.phases import PhaseRules
from habitloop.core.profile_view import has_tried
from habitloop.core.vocab import Mode, Outcome, Strategy, TimeBlock
from habitloop.db import lock_user
from habitloop.errors import BadRequest, Conflict, FeatureDisabled, NotFound
from habitloop.feedback import events
from habitloop.feedback import learning as learn
from habitloop.feedback import repository as repo
from habitloop.feedback.repository import Answer
from habitloop.feedback.schemas import FeedbackIn, FeedbackOut
from habitloop.plans import repository as plans_repo
from habitloop.plans.repository import ItemRef
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users.repository import User

MAX_AHEAD = timedelta(days=1)
Verdict = Literal["recorded", "duplicate", "updated"]


@dataclass(frozen=True)
class Recorded:
    out: FeedbackOut
    status_code: int


def require_collection(settings: Settings) -> None:
    if not settings.feedback_collection_enabled:
        raise FeatureDisabled(
            "feedback collection is disabled (FEEDBACK_COLLECTION_ENABLED=false); "
            "nothing was stored"
        )


@dataclass(frozen=True)
class Target:
    task: Task
    item: ItemRef | None
    day: date
    block: TimeBlock
    scheduled_at: datetime | None


def _target(
    session: Session,
    user: User,
    library: Library,
    body: FeedbackIn,
    local_day: date,
    known: dict[tuple[UUID, UUID], ItemRef | None],
) -> Target:
    zone = ZoneInfo(user.timezone)
    item: ItemRef | None = None
    if body.plan_item_id is not None:
        cached = (user.user_id, body.plan_item_id)
        item = (
            known[cached]
            if cached in known
            else plans_repo.item_ref(session, user.user_id, body.plan_item_id)
        )
        if item is None:
            raise NotFound(f"plan item {body.plan_item_id} not found")
        if not item.active:
            raise Conflict("this item was swapped out of the plan; answer about its replacement")
    else:
        assert body.task_library_id is not None
        if body.task_library_id not in library.by_id:
            raise NotFound(f"task {body.task_library_id} not found")
        item = plans_repo.item_for_task(session, user.user_id, body.task_library_id, local_day)
    task_id = item.task_id if item is not None else body.task_library_id
    task = library.by_id.get(task_id) if task_id is not None else None
    if task is None:
        raise NotFound(f"task {task_id} not found")
    if item is None:
        return Target(task, None, local_day, block_for(task), None)
    start = time.fromisoformat(item.start_time)
    scheduled = datetime.combine(item.plan_date, start, zone)
    return Target(task, item, item.plan_date, TimeBlock(item.time_block), scheduled)


def _same(row: Answer, target: Target, outcome: Outcome) -> bool:
    same_item = target.item is not None and row.plan_item_id == target.item.item_id
    same_task = target.item is None and row.plan_item_id is None and row.task_id == target.task.id
    return (same_item or same_task) and row.outcome == outcome.value


def _row_fields(
    body: FeedbackIn, occurred: datetime, target: Target, key: str | None
) -> dict[str, object]:
    late = (occurred - target.scheduled_at).total_seconds() / 60 if target.scheduled_at else None
    return {
        "outcome": body.outcome.value,
        "source": "explicit",
        "satisfaction_rating": body.satisfaction_rating,
        "skip_reason": body.skip_reason.value if body.skip_reason else None,
        "continue_preference": body.continue_preference.value if body.continue_preference else None,
        "notes": body.notes,
        "occurred_at": occurred,
        "scheduled_at": target.scheduled_at,
        "minutes_from_schedule": round(late, 1) if late is not None else None,
        "idempotency_key": key,
    }


class Recorder:
    """Records answers inside one transaction. Each user's profile and arms are loaded once,
    changed in memory as answers are written, and settled, moved and saved once in ``finish``,
    so a batch of answers costs one profile read and one write per user. New answers are
    inserted together, before anything reads feedback rows again."""

    def __init__(self, session: Session, settings: Settings, library: Library) -> None:
        self.session = session
        self.settings = settings
        self.library = library
        self._users: dict[UUID, User] = {}
        self._learning: dict[UUID, learn.Learning] = {}
        self._latest: dict[UUID, date] = {}
        self._items: dict[tuple[UUID, UUID], ItemRef | None] = {}
        self._answers: dict[tuple[UUID, UUID], Answer | None] = {}
        self._pending: list[dict[str, Any]] = []
        self._rows: dict[UUID, repo.LearningRows] = {}
        self._answering: dict[UUID, set[UUID]] = {}

    def _insert_pending(self) -> None:
        repo.add_many(self.session, self._pending)
        self._pending = []

    def prefetch(self, events: list[FeedbackIn]) -> None:
        """Read the items and earlier answers of many events in two queries per user."""
        wanted: dict[UUID, list[UUID]] = {}
        for event in events:
            if event.plan_item_id is not None:
                wanted.setdefault(event.user_id, []).append(event.plan_item_id)
        for user_id, item_ids in wanted.items():
            lock_user(self.session, user_id)  # before reading, as record() would
            found = repo.items_answered(self.session, user_id, item_ids)
            self._answering.setdefault(user_id, set()).update(item_ids)
            for item_id in item_ids:
                item, answer = found.get(item_id, (None, None))
                self._items[(user_id, item_id)] = item
                self._answers[(user_id, item_id)] = answer

    def _user(self, user_id: UUID) -> User:
        if user_id not in self._users:
            lock_user(self.session, user_id)
            # The user with their learned state: recording an answer nearly always learns.
            self._users[user_id], self._rows[user_id] = learn.require_learner(self.session, user_id)
        return self._users[user_id]

    def _learning_of(self, user: User, day: date) -> learn.Learning:
        if user.user_id not in self._learning:
            self._learning[user.user_id] = learn.open_learning(
                self.session,
                user,
                self.library,
                self.settings.profile_half_life_days,
                day,
                bandit=self.settings.strategy is Strategy.BANDIT,
                rows=self._rows.pop(user.user_id, None),
            )
            # Earlier days' unanswered items are settled before this day's answers are learned
            # from, in the order the day's plan saw them; items answered here are not.
            learn.settle(
                self.session,
                self._learning[user.user_id],
                self.library,
                before=day,
                answered=self._answering.get(user.user_id, set()),
                into=self._pending,
            )
        return self._learning[user.user_id]

    def record(self, body: FeedbackIn, key: str | None, now: datetime) -> Recorded:
        """Write one answer. A repeat (same key, or same item and status) changes nothing and
        returns the first answer's id; another status for the same item replaces the answer
        and the profile retracts the old one, so it sees each item exactly once."""
        session, library = self.session, self.library
        user = self._user(body.user_id)
        key = key or body.idempotency_key
        occurred = body.occurred_at or now
        local_day = occurred.astimezone(ZoneInfo(user.timezone)).date()
        target = _target(session, user, library, body, local_day, self._items)
        if occurred > now + MAX_AHEAD:
            raise BadRequest("occurred_at is more than a day in the future")
        if target.item is not None and local_day < target.day:
            raise BadRequest(f"occurred_at is before the plan's date {target.day.isoformat()}")
        outcome = body.outcome

        if key is not None:
            self._insert_pending()
            keyed = repo.by_key(session, user.user_id, key)
            if keyed is not None:
                if not _same(keyed, target, outcome):
                    raise Conflict("this Idempotency-Key was already used for a different answer")
                return Recorded(FeedbackOut(feedback_id=keyed.feedback_id, status="duplicate"), 200)
        if target.item is not None:
            cached = (user.user_id, target.item.item_id)
            existing = self._answers.get(cached)
            if cached not in self._answers:
                self._insert_pending()
                existing = repo.by_item(session, user.user_id, target.item.item_id)
        else:
            self._insert_pending()
            existing = repo.unplanned(
                session, user.user_id, target.task.id, target.day, outcome.value
            )
        if (
            existing is not None
            and existing.source == "explicit"
            and _same(existing, target, outcome)
        ):
            return Recorded(FeedbackOut(feedback_id=existing.feedback_id, status="duplicate"), 200)

        if target.item is not None:
            self._answering.setdefault(user.user_id, set()).add(target.item.item_id)
        learning = self._learning_of(user, local_day)
        saved = learning.snapshot()
        try:
            return_value = self._write(learning, body, key, occurred, target, existing)
        except Exception:
            learning.restore(saved)  # the failed write fails the transaction: forget it here too
            raise
        self._latest[user.user_id] = max(local_day, self._latest.get(user.user_id, local_day))
        return return_value

    def _write(
        self,
        learning: learn.Learning,
        body: FeedbackIn,
        key: str | None,
        occurred: datetime,
        target: Target,
        existing: Answer | None,
    ) -> Recorded:
        """Retract the earlier answer, write this one, then learn from it."""
        user, outcome = learning.user, body.outcome
        if existing is not None:
            old = events.event_from_document(existing.event)
            old_features, old_predicted = events.features_from_document(
                existing.event, learning.space
            )
            learning.apply(old, sign=-1, features=old_features, predicted=old_predicted)
            is_new = old.is_new
        else:
            is_new = not has_tried(learning.profile, target.task.id)
        mode = Mode(target.item.mode) if target.item is not None else Mode.MEDIUM
        features = learning.features(target.task, target.block, mode, target.day)
        predicted = learning.predict(features, target.day)
        event = events.event_for(
            target.task,
            block=target.block,
            day=target.day,
            outcome=outcome,
            is_new=is_new,
            rating=body.satisfaction_rating,
            skip_reason=body.skip_reason,
            keep=body.continue_preference,
        )
        document = events.event_document(event, features, learning.space, predicted)
        fields = _row_fields(body, occurred, target, key)
        verdict: Verdict
        if existing is not None:
            changes = {k: v for k, v in fields.items() if k != "idempotency_key" or v is not None}
            changes.update(event=document, revision=existing.revision + 1)
            repo.update_answer(self.session, user.user_id, existing.feedback_id, changes)
            # The cached answer is what the next event about this item compares with.
            existing.outcome, existing.source = body.outcome.value, "explicit"
            existing.event, existing.revision = document, existing.revision + 1
            feedback_id, verdict, code = existing.feedback_id, "updated", 200
        else:
            feedback_id = uuid4()
            self._pending.append(
                {
                    "user_id": user.user_id,
                    "feedback_id": feedback_id,
                    "plan_item_id": target.item.item_id if target.item is not None else None,
                    "task_id": target.task.id,
                    "plan_date": target.day,
                    "event": document,
                    **fields,
                },
            )
            verdict, code = "recorded", 201
            if target.item is not None:  # not cached: the next lookup inserts it and reads it
                self._answers.pop((user.user_id, target.item.item_id), None)
        learning.apply(event, features=features, predicted=predicted)
        return Recorded(FeedbackOut(feedback_id=feedback_id, status=verdict), code)

    def finish(self) -> None:
        """Settle each user's unanswered days, move their phase and save, once. The answers
        and the "no response" rows settled here are inserted together."""
        answered = {row["plan_item_id"] for row in self._pending}
        for user_id, learning in self._learning.items():
            day = self._latest.get(user_id, learning.today)
            learning.today = day
            learn.settle(
                self.session,
                learning,
                self.library,
                before=day,
                answered=answered,
                into=self._pending,
            )
            learn.advance_phase(learning, day, PhaseRules())
        self._insert_pending()
        for learning in self._learning.values():
            learn.save(self.session, learning)


def record_feedback(
    session: Session,
    settings: Settings,
    libraries: LibrarySource,
    body: FeedbackIn,
    key: str | None,
    now: datetime,
) -> Recorded:
    """Record one answer and update the profile, in the caller's transaction."""
    require_collection(settings)
    recorder = Recorder(session, settings, libraries.current(session))
    done = recorder.record(body, key, now)
    recorder.finish()
    return done
