"""Answers stored before they are learned from: a batch records its answers and leaves the
learning to whoever opens the user's learned state next (their next plan, answer or profile
read) or to the service's learner (``learning.catch_up``).

Each answer is learned exactly once: its row keeps what the profile saw of it (``event``), and a
row changed after it was learned is learned again with the old observation retracted first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from habitloop.core.blocks import block_for
from habitloop.core.learned import Observation, event_for, observe
from habitloop.core.learned_documents import observation_document, observation_from_document
from habitloop.core.library import Library, Task
from habitloop.core.profile_view import has_tried
from habitloop.core.vocab import (
    Archetype,
    ContinuePreference,
    Mode,
    Outcome,
    SkipReason,
    TimeBlock,
)
from habitloop.learning.repository import PendingAnswer
from habitloop.learning.state import Learning


@dataclass(frozen=True, slots=True)
class Said:
    """What one answer said about a task, as learning reads it."""

    task: Task
    block: TimeBlock
    day: date
    mode: Mode
    outcome: Outcome
    rating: int | None = None
    skip_reason: SkipReason | None = None
    keep: ContinuePreference | None = None


def observe_answer(state: Learning, said: Said, earlier: dict[str, object] | None) -> Observation:
    """The observation of ``said``, with ``earlier`` (what the profile saw of the same answer
    before it changed) retracted from the state first. The caller learns it."""
    is_new = not has_tried(state.state.profile, said.task.id)
    if earlier is not None:
        before = observation_from_document(earlier, state.state.space)
        state.learn(before.retraction())
        is_new = before.event.is_new
    event = event_for(
        said.task,
        block=said.block,
        day=said.day,
        outcome=said.outcome,
        is_new=is_new,
        rating=said.rating,
        skip_reason=said.skip_reason,
        keep=said.keep,
    )
    fit = said.task.archetype_fit[Archetype(state.user.archetype)]
    return observe(state.state, said.task, event, said.mode, fit)


def _said(answer: PendingAnswer, task: Task) -> Said:
    return Said(
        task=task,
        block=TimeBlock(answer.time_block) if answer.time_block else block_for(task),
        day=answer.plan_date,
        mode=Mode(answer.mode) if answer.mode else Mode.MEDIUM,
        outcome=Outcome(answer.outcome),
        rating=answer.satisfaction_rating,
        skip_reason=SkipReason(answer.skip_reason) if answer.skip_reason else None,
        keep=ContinuePreference(answer.continue_preference) if answer.continue_preference else None,
    )


def learn_answer(state: Learning, library: Library, answer: PendingAnswer) -> dict[str, Any]:
    """Learn from one waiting answer; the values that mark its row learned (``save``)."""
    task = library.by_id.get(answer.task_id)
    document = answer.event  # a task the library no longer has teaches nothing new
    if task is not None:
        observation = observe_answer(state, _said(answer, task), answer.event)
        state.learn(observation)
        document = observation_document(observation, state.state.space)
    return {
        "key_user_id": state.user.user_id,
        "key_feedback_id": answer.feedback_id,
        "event": document,
        "read_revision": answer.revision,
    }
