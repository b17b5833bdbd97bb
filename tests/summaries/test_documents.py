"""The stored ``figures`` document: its days, categories and tasks are arrays of values, and a
summary stored when they were objects of named values still reads the same."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import update

from habitloop.db import Database
from habitloop.models import WeeklySummaryRow
from habitloop.settings import Settings
from habitloop.summaries import service
from habitloop.summaries.statement import CATEGORY_FIELDS, DAY_FIELDS, TASK_FIELDS
from habitloop.tasks.service import LibraryCache
from tests.summaries.test_service import WEEK, lived_week, read
from tests.summaries.weeks import W48

LISTS = {"days": DAY_FIELDS, "categories": CATEGORY_FIELDS, "tasks": TASK_FIELDS}


def _as_objects(doc: dict[str, Any]) -> dict[str, Any]:
    named = {key: [dict(zip(LISTS[key], e, strict=True)) for e in doc[key]] for key in LISTS}
    return doc | named


def _stored_document(db: Database, user_id: Any) -> dict[str, Any]:
    with db.transaction(write=False) as session:
        row = session.get(WeeklySummaryRow, (user_id, W48))
        assert row is not None
        raw = row.figures
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def test_a_summary_stored_with_named_values_reads_the_same(
    db: Database, settings: Settings
) -> None:
    lived = lived_week(db, settings, LibraryCache())
    one = {"first": lived.user_id, "last": lived.user_id}
    with db.transaction() as session:
        service.store_range(session, settings=settings, week=WEEK, **one)
    doc = _stored_document(db, lived.user_id)
    assert all(isinstance(entry, list) for key in LISTS for entry in doc[key])
    assert [len(entry) for entry in doc["days"]] == [len(DAY_FIELDS)] * len(doc["days"])
    assert doc["tasks"] and doc["categories"]

    older = _as_objects(doc)
    where = (WeeklySummaryRow.user_id == lived.user_id) & (WeeklySummaryRow.week_start == W48)
    with db.transaction() as session:
        session.execute(update(WeeklySummaryRow).where(where).values(figures=older))
    assert isinstance(_stored_document(db, lived.user_id)["days"][0], dict)
    with db.transaction(write=False) as session:
        stored = service.read_stored(session, user_id=lived.user_id, week=WEEK)
    assert stored == read(db, settings, lived)
