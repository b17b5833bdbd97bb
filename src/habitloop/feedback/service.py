"""Recording answers: exactly once, idempotent, and learned from in the same transaction."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from habitloop.core.blocks import block_for
from habitloop.core.learned_documents import observation_document
from habitloop.core.library import Library, Task
from habitloop.core.phases import PhaseRules
from habitloop.core.vocab import Mode, Outcome, Strategy
from habitloop.db import lock_user
from habitloop.db.ids import new_id
from habitloop.errors import BadRequest, Conflict, FeatureDisabled, NotFound
from habitloop.feedback import repository as repo
from habitloop.feedback.names import named_task
from habitloop.feedback.repository import Answer
from habitloop.feedback.schemas import FeedbackIn, FeedbackOut
from habitloop.feedback.targets import (
    MAX_AHEAD,
    Recorded,
    Target,
    adds_nothing,
    duplicate,
    item_target,
    row_fields,
    same,
)
from habitloop.learning import repository as learning_repo
from habitloop.learning import service as learning
from habitloop.learning.pending import Said, observe_answer
from habitloop.learning.repository import ItemRef, LearningRows
from habitloop.learning.state import Learning
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo
from habitloop.users.repository import User

Verdict = Literal["recorded", "duplicate", "updated"]


def require_collection(settings: Settings) -> None:
    if not settings.feedback_collection_enabled:
        raise FeatureDisabled(
            "feedback collection is disabled (FEEDBACK_COLLECTION_ENABLED=false); "
            "nothing was stored"
        )


class Recorder:
    """Records answers inside one transaction. Each user's learned state is loaded once,
    changed in memory as answers are written, and settled, moved and saved once in ``finish``,
    so a batch of answers costs one read and one write of it per user. New answers are
    inserted together, before anything reads feedback rows again."""

    def __init__(self, session: Session, settings: Settings, library_cache: LibrarySource) -> None:
        self.session = session
        self.settings = settings
        self.library_cache = library_cache
        self._library: Library | None = None
        self._users: dict[UUID, User] = {}
        self._rows: dict[UUID, LearningRows] = {}
        self._learning: dict[UUID, Learning] = {}
        self._latest: dict[UUID, date] = {}
        self._items: dict[tuple[UUID, UUID], ItemRef | None] = {}
        self._answers: dict[tuple[UUID, UUID], Answer | None] = {}
        self._answering: dict[UUID, set[UUID]] = {}
        self._inserts: list[dict[str, Any]] = []
        self._replacements: list[repo.Replacement] = []
        self._locked: set[UUID] = set()

    def prefetch(self, events: list[FeedbackIn]) -> None:
        """Lock the events' users, in order of their ids, and read the items and earlier
        answers of all events in one query. Two batches about some of the same users then
        lock them in the same order and wait for each other, never deadlock."""
        for user_id in sorted({event.user_id for event in events}):
            self._lock(user_id)
        pairs = {(e.user_id, e.plan_item_id) for e in events if e.plan_item_id is not None}
        self._read_items(pairs)

    def _read_items(self, pairs: set[tuple[UUID, UUID]]) -> None:
        """The (user, item) ``pairs``' items, each with its earlier answer, in one query."""
        found = repo.pairs_answered(self.session, pairs)
        for user_id, item_id in pairs:
            known = found.get((user_id, item_id))
            self._answering.setdefault(user_id, set()).add(item_id)
            self._items[(user_id, item_id)] = known.item if known else None
            self._answers[(user_id, item_id)] = known.answer if known else None

    def record(self, body: FeedbackIn, key: str | None, now: datetime) -> Recorded:
        """Write one answer. A repeat (same key, or same item and status with no new rating,
        skip reason or wish to continue) changes nothing and returns the first answer's id;
        another status or a new detail for the same item replaces the answer, keeping its id,
        and the learned state retracts the old one, so it sees each item exactly once."""
        user = self._user(body.user_id)
        key = key or body.idempotency_key
        occurred = body.occurred_at or now
        local_day = occurred.astimezone(ZoneInfo(user.timezone)).date()
        target = self._target(user, body, local_day)
        if occurred > now + MAX_AHEAD:
            raise BadRequest("occurred_at is more than a day in the future")
        if target.item is not None and local_day < target.day:
            raise BadRequest(f"occurred_at is before the plan's date {target.day.isoformat()}")
        if target.item is not None:
            self._answering.setdefault(user.user_id, set()).add(target.item.item_id)
        rows = self._rows.get(user.user_id)
        if rows is not None and rows.pending:
            # Answers stored earlier and not learned from yet are learned first, so an answer
            # replaced below is retracted as the state saw it.
            self._learning_of(user, local_day)
        if key is not None and (keyed := self._keyed(user, key)) is not None:
            if not same(keyed, target, body.outcome):
                raise Conflict("this Idempotency-Key was already used for a different answer")
            return duplicate(keyed)
        existing = self._existing(user, target, body.outcome)
        explicit = existing is not None and existing.source == "explicit"
        repeat = existing is not None and explicit and same(existing, target, body.outcome)
        if repeat and existing is not None and adds_nothing(existing, body):
            return duplicate(existing)
        return self._store(user, body, key, occurred, target, existing)

    def _store(
        self,
        user: User,
        body: FeedbackIn,
        key: str | None,
        occurred: datetime,
        target: Target,
        existing: Answer | None,
    ) -> Recorded:
        """Write the answer and learn from it."""
        local_day = occurred.astimezone(ZoneInfo(user.timezone)).date()
        state = self._learning_of(user, local_day)
        saved = state.snapshot()
        try:
            done = self._write(state, body, key, occurred, target, existing)
        except Exception:
            state.restore(saved)  # the failed write fails the transaction: forget it here too
            raise
        self._latest[user.user_id] = max(local_day, self._latest.get(user.user_id, local_day))
        return done

    def finish(self) -> None:
        """Settle each user's unanswered days, move their phase and save, once. The answers
        and the "no response" rows settled here are inserted together."""
        answered = {row["plan_item_id"] for row in self._inserts}
        for user_id, state in self._learning.items():
            day = self._latest.get(user_id, state.today)
            state.today = day
            learning.settle(
                self.session, state, self.library, before=day, answered=answered, into=self._inserts
            )
            learning.advance_phase(state, day, PhaseRules())
        self._write_answers()
        learning.save_all(self.session, list(self._learning.values()))
        for state in self._learning.values():
            users_repo.bump_revision(self.session, state.user)

    def take_locks(self, user_ids: Collection[UUID]) -> None:
        """Count ``user_ids`` as locked already, by the caller (``db.lock_users``)."""
        self._locked.update(user_ids)

    def _lock(self, user_id: UUID) -> None:
        if user_id not in self._locked:
            lock_user(self.session, user_id)
            self._locked.add(user_id)

    def _write_answers(self) -> None:
        """Insert the new answers and rewrite the changed ones, each kind in one statement.
        Called before anything reads answers again, so a read sees every one written."""
        repo.add_many(self.session, self._inserts)
        repo.replace_answers(self.session, self._replacements)
        self._inserts = []
        self._replacements = []

    def _user(self, user_id: UUID) -> User:
        if user_id not in self._users:
            self._lock(user_id)
            # The user with their learned state: recording an answer nearly always learns.
            self._users[user_id], rows = learning.require_learner(self.session, user_id)
            self._rows[user_id] = rows
            if self._library is None:
                self._library = self.library_cache.current(
                    self.session, revision=rows.library_revision
                )
        return self._users[user_id]

    @property
    def library(self) -> Library:
        """The library as of this transaction, read with the first user."""
        assert self._library is not None, "no answer has been read yet"
        return self._library

    def _target(self, user: User, body: FeedbackIn, local_day: date) -> Target:
        if body.plan_item_id is not None:
            cached = (user.user_id, body.plan_item_id)
            if cached not in self._items:  # not prefetched: read it with its earlier answer
                self._read_items({cached})
            item = self._items[cached]
            if item is None:
                raise NotFound(f"plan item {body.plan_item_id} not found")
            return item_target(user, item, self.library)
        if body.task_library_id is not None:
            task = self.library.by_id.get(body.task_library_id)
            if task is None:
                raise NotFound(f"task {body.task_library_id} not found")
        else:
            assert body.task_name is not None

            def planned(candidate: Task) -> bool:
                found = learning_repo.item_for_task(
                    self.session, user.user_id, candidate.id, local_day
                )
                return found is not None

            task = named_task(self.library, body.task_name, body.category, planned)
        item = learning_repo.item_for_task(self.session, user.user_id, task.id, local_day)
        if item is not None:
            return item_target(user, item, self.library)
        return Target(task, None, local_day, block_for(task), None)

    def _keyed(self, user: User, key: str) -> Answer | None:
        self._write_answers()
        return repo.by_key(self.session, user.user_id, key)

    def _existing(self, user: User, target: Target, outcome: Outcome) -> Answer | None:
        """The answer this one repeats or replaces: the item's, or the same unplanned one."""
        if target.item is None:
            self._write_answers()
            return repo.unplanned(
                self.session, user.user_id, target.task.id, target.day, outcome.value
            )
        cached = (user.user_id, target.item.item_id)
        if cached in self._answers:
            return self._answers[cached]
        self._write_answers()
        return repo.by_item(self.session, user.user_id, target.item.item_id)

    def _learning_of(self, user: User, day: date) -> Learning:
        if user.user_id not in self._learning:
            state = learning.open_learning(
                user=user,
                rows=self._rows[user.user_id],
                library=self.library,
                half_life_days=self.settings.profile_half_life_days,
                today=day,
                keep_model=self.settings.strategy is Strategy.BANDIT,
            )
            rows = self._rows.pop(user.user_id)
            answering = self._answering.get(user.user_id, set())
            waiting = learning.learn_waiting(
                self.session, state, self.library, rows, answered=answering, into=self._inserts
            )
            if waiting:
                learning.save_learned(self.session, state)
                # Those answers' rows changed: read them again when they are answered here.
                for cached in [k for k in self._answers if k[0] == user.user_id]:
                    del self._answers[cached]
            # Earlier days' unanswered items are settled before this day's answers are learned
            # from, in the order the day's plan saw them; items answered here are not.
            learning.settle(
                self.session,
                state,
                self.library,
                before=day,
                answered=answering,
                into=self._inserts,
            )
            self._learning[user.user_id] = state
        return self._learning[user.user_id]

    def _write(
        self,
        state: Learning,
        body: FeedbackIn,
        key: str | None,
        occurred: datetime,
        target: Target,
        existing: Answer | None,
    ) -> Recorded:
        """Retract the earlier answer, write this one, then learn from it."""
        said = Said(
            task=target.task,
            block=target.block,
            day=target.day,
            mode=Mode(target.item.mode) if target.item is not None else Mode.MEDIUM,
            outcome=body.outcome,
            rating=body.satisfaction_rating,
            skip_reason=body.skip_reason,
            keep=body.continue_preference,
        )
        observation = observe_answer(state, said, existing.event if existing else None)
        fields = row_fields(body, occurred, target, key)
        fields["event"] = observation_document(observation, state.state.space)
        if existing is not None:
            feedback_id, verdict, code = self._replace(state.user, existing, fields), "updated", 200
        else:
            feedback_id, verdict, code = self._add(state.user, target, fields), "recorded", 201
        state.learn(observation)
        return Recorded(FeedbackOut(feedback_id=feedback_id, status=verdict), code)

    def _replace(self, user: User, existing: Answer, fields: dict[str, Any]) -> UUID:
        changes = {**fields, "revision": existing.revision + 1}
        self._replacements.append(repo.Replacement(user.user_id, existing.feedback_id, changes))
        if existing.plan_item_id is not None:
            # The next event about this item compares with the answer as it is now.
            self._answers[(user.user_id, existing.plan_item_id)] = replace(
                existing,
                outcome=str(fields["outcome"]),
                source="explicit",
                event=fields["event"],
                revision=existing.revision + 1,
                satisfaction_rating=fields["satisfaction_rating"],
                skip_reason=fields["skip_reason"],
                continue_preference=fields["continue_preference"],
            )
        return existing.feedback_id

    def _add(self, user: User, target: Target, fields: dict[str, Any]) -> UUID:
        feedback_id = new_id()
        item_id = target.item.item_id if target.item is not None else None
        self._inserts.append(
            {
                "user_id": user.user_id,
                "feedback_id": feedback_id,
                "plan_item_id": item_id,
                "task_id": target.task.id,
                "plan_date": target.day,
                **fields,
            },
        )
        if item_id is not None:  # not cached: the next lookup inserts it and reads it
            self._answers.pop((user.user_id, item_id), None)
        return feedback_id


def record_feedback(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    body: FeedbackIn,
    key: str | None,
    now: datetime,
) -> Recorded:
    """Record one answer and learn from it, in the caller's transaction."""
    require_collection(settings)
    recorder = Recorder(session, settings, library_cache)
    done = recorder.record(body, key, now)
    recorder.finish()
    return done
