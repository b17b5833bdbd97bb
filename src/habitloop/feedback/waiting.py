"""Answers recorded now and learned from later: the service's path for answers about plan
items, one at a time or in batches.

Such answers are checked exactly as answers learned from at once are (the item, its day,
repeats and keys) and stored, marked ``pending``; the user's learned state is not opened.
It learns from them the next time it is opened (``learning.pending``): the user's next plan,
answer or profile read, or the service's learner, whichever comes first.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import Session

from habitloop.feedback.repository import Answer
from habitloop.feedback.schemas import FeedbackIn, FeedbackOut
from habitloop.feedback.service import Recorder, record_feedback, require_collection
from habitloop.feedback.targets import Recorded, Target, row_fields
from habitloop.settings import Settings
from habitloop.tasks.service import LibrarySource
from habitloop.users import repository as users_repo
from habitloop.users.repository import User
from habitloop.users.service import user_not_found


class WaitingRecorder(Recorder):
    """A ``Recorder`` that stores answers about plan items as pending, for users whose every
    answer in the call names its item. A changed answer keeps ``event`` (what the state saw of
    it), so its later learning retracts exactly that."""

    def __init__(self, session: Session, settings: Settings, library_cache: LibrarySource) -> None:
        super().__init__(session, settings, library_cache)
        self._changed: set[UUID] = set()

    def prefetch(self, events: list[FeedbackIn]) -> None:
        """The events' users, locked first (in order of their ids) so their revisions are read
        under the lock, then their items with earlier answers: two queries for all."""
        users = {event.user_id for event in events}
        for user_id in sorted(users):
            self._lock(user_id)
        self._users.update(users_repo.get_users(self.session, users - self._users.keys()))
        if self._library is None:
            self._library = self.library_cache.current(self.session)
        super().prefetch(events)

    def _user(self, user_id: UUID) -> User:
        if user_id not in self._users:
            self._lock(user_id)
            found = users_repo.get_user(self.session, user_id)
            if found is None:
                raise user_not_found(user_id)
            self._users[user_id] = found
            if self._library is None:
                self._library = self.library_cache.current(self.session)
        return self._users[user_id]

    def _store(
        self,
        user: User,
        body: FeedbackIn,
        key: str | None,
        occurred: datetime,
        target: Target,
        existing: Answer | None,
    ) -> Recorded:
        self._changed.add(user.user_id)
        fields = row_fields(body, occurred, target, key)
        fields["pending"] = True
        fields["event"] = existing.event if existing is not None else None
        if existing is not None:
            feedback_id = self._replace(user, existing, fields)
            return Recorded(FeedbackOut(feedback_id=feedback_id, status="updated"), 200)
        feedback_id = self._add(user, target, fields)
        return Recorded(FeedbackOut(feedback_id=feedback_id, status="recorded"), 201)

    def finish(self) -> None:
        """Write the new and changed answers; mark the users changed (a plan prepared before
        this is stale)."""
        self._write_answers()
        changed = [self._users[user_id] for user_id in sorted(self._changed)]
        users_repo.bump_revisions(self.session, changed)


def record_answer(
    session: Session,
    *,
    settings: Settings,
    library_cache: LibrarySource,
    body: FeedbackIn,
    key: str | None,
    now: datetime,
) -> Recorded:
    """One answer sent to the service. About a plan item, it is stored to be learned from
    later, so the request neither reads nor rewrites the user's learned state; named by its
    task, it is learned from now (``record_feedback``), since a name may resolve to an item a
    waiting answer is about."""
    if body.plan_item_id is None:
        return record_feedback(
            session, settings=settings, library_cache=library_cache, body=body, key=key, now=now
        )
    require_collection(settings)
    recorder = WaitingRecorder(session, settings, library_cache)
    recorder.prefetch([body])
    done = recorder.record(body, key, now)
    recorder.finish()
    return done
