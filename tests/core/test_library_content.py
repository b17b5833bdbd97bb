"""Content rules for the shipped task library, ``habitloop/data/library-v1.yaml``.

``build_library`` checks that the file is well formed; these tests check that what it says is
usable: enough tasks and variation groups per category, sensible timing and difficulty, fit maps
that tell archetypes and modes apart, stable ids, and safe, generic wording.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping
from importlib.resources import files
from statistics import mean
from typing import Any

import pytest
import yaml

from habitloop.core.library import Library, Task, build_library
from habitloop.core.vocab import (
    ALL_ARCHETYPES,
    ALL_CATEGORIES,
    ALL_MODES,
    Archetype,
    Category,
    Difficulty,
    Mode,
    TimeOfDay,
)

SOURCE = "habitloop/data/library-v1.yaml"
ID_NAMESPACE = uuid.UUID("6f1c1e52-5a8e-4c1e-9d1a-7b3c1f0e4a21")
TASK_FIELDS = frozenset(
    {
        "id",
        "slug",
        "name",
        "description",
        "category",
        "subcategory",
        "variation_group",
        "time_of_day",
        "duration_minutes",
        "difficulty",
        "archetype_fit",
        "mode_fit",
        "tags",
        "active",
    }
)

MIN_TASKS = 70
MIN_TASKS_PER_CATEGORY = 8
MIN_GROUPS_PER_CATEGORY = 4
MIN_GROUP_SIZE, MAX_GROUP_SIZE = 2, 4
MIN_DURATION, MAX_DURATION = 2, 60
MIN_ARCHETYPE_SPREAD = 0.4
MIN_MODE_SPREAD = 0.3
EPSILON = 1e-9

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG = re.compile(r"^[a-z][a-z-]{1,19}$")
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")

# Medical claims, supplements, drugs, dosages and brand names have no place in the library.
FORBIDDEN = re.compile(
    r"\b(?:"
    r"supplements?|melatonin|caffeine pills?|pills?|tablets?|capsules?|vitamins?|"
    r"detox\w*|cures?|cured|treats?|treatment|diagnos\w*|clinical(?:ly)?|immun\w*|"
    r"mg|milligrams?|doses?|dosage|medication|medicine|prescriptions?|therap\w*|"
    r"heals?|healing|burns? fat|fat[- ]burning|weight loss|guaranteed|miracle|"
    r"fitbit|peloton|headspace|strava|myfitnesspal|red bull|starbucks|nespresso"
    r")\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def raw_document() -> dict[str, Any]:
    text = (files("habitloop") / "data" / "library-v1.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def library(raw_document: dict[str, Any]) -> Library:
    return build_library(raw_document, SOURCE)


def _by_category(library: Library) -> dict[Category, list[Task]]:
    grouped: dict[Category, list[Task]] = defaultdict(list)
    for task in library.tasks:
        grouped[task.category].append(task)
    return grouped


def _spread(values: list[float]) -> float:
    return max(values) - min(values)


def test_library_loads_with_enough_active_tasks(library: Library) -> None:
    assert library.version == "v1"
    assert len(library) >= MIN_TASKS
    assert all(task.active for task in library.tasks)


def test_raw_tasks_have_exactly_the_documented_fields(raw_document: dict[str, Any]) -> None:
    assert set(raw_document) == {"version", "tasks"}
    problems = []
    for raw in raw_document["tasks"]:
        slug = raw.get("slug")
        if set(raw) != TASK_FIELDS:
            problems.append(f"{slug}: fields {sorted(set(raw) ^ TASK_FIELDS)}")
        if raw.get("active") is not True:
            problems.append(f"{slug}: active must be the boolean true")
        if not isinstance(raw.get("tags"), list):
            problems.append(f"{slug}: tags must be a YAML list")
        if not isinstance(raw.get("duration_minutes"), int):
            problems.append(f"{slug}: duration_minutes must be an integer")
    assert not problems, problems


def test_fit_maps_are_real_mappings_of_two_decimal_fractions(
    raw_document: dict[str, Any],
) -> None:
    expected_keys = {
        "archetype_fit": {a.value for a in ALL_ARCHETYPES},
        "mode_fit": {m.value for m in ALL_MODES},
    }
    problems = []
    for raw in raw_document["tasks"]:
        for field, keys in expected_keys.items():
            fit = raw.get(field)
            if not isinstance(fit, Mapping):
                problems.append(f"{raw.get('slug')}: {field} is {type(fit).__name__}")
                continue
            if set(fit) != keys:
                problems.append(f"{raw.get('slug')}: {field} keys {sorted(fit)}")
            for key, value in fit.items():
                ok = (
                    isinstance(value, float)
                    and 0.0 <= value <= 1.0
                    and abs(round(value, 2) - value) < EPSILON
                )
                if not ok:
                    problems.append(f"{raw.get('slug')}: {field}.{key} = {value!r}")
    assert not problems, problems


def test_ids_are_uuid5_of_the_slug(raw_document: dict[str, Any], library: Library) -> None:
    for raw in raw_document["tasks"]:
        assert raw["id"] == str(uuid.uuid5(ID_NAMESPACE, raw["slug"])), raw["slug"]
    for task in library.tasks:
        assert task.id == uuid.uuid5(ID_NAMESPACE, task.slug), task.slug


def test_slugs_names_and_groups_are_unique_and_well_formed(library: Library) -> None:
    slugs = Counter(task.slug for task in library.tasks)
    names = Counter(task.name.strip().casefold() for task in library.tasks)
    assert not [s for s, n in slugs.items() if n > 1], "duplicate slugs"
    assert not [s for s, n in names.items() if n > 1], "duplicate names"
    assert all(KEBAB.match(task.slug) for task in library.tasks)
    assert all(KEBAB.match(task.variation_group) for task in library.tasks)

    group_categories: dict[str, set[Category]] = defaultdict(set)
    for task in library.tasks:
        group_categories[task.variation_group].add(task.category)
    shared = {g: cats for g, cats in group_categories.items() if len(cats) > 1}
    assert not shared, f"variation groups spanning categories: {shared}"


def test_every_category_has_enough_tasks_in_enough_groups(library: Library) -> None:
    by_category = _by_category(library)
    problems = []
    for category in ALL_CATEGORIES:
        tasks = by_category.get(category, [])
        sizes = Counter(task.variation_group for task in tasks)
        if len(tasks) < MIN_TASKS_PER_CATEGORY:
            problems.append(f"{category}: {len(tasks)} tasks")
        if len(sizes) < MIN_GROUPS_PER_CATEGORY:
            problems.append(f"{category}: {len(sizes)} variation groups")
        for group, size in sizes.items():
            if not MIN_GROUP_SIZE <= size <= MAX_GROUP_SIZE:
                problems.append(f"{category}/{group}: {size} tasks in the group")
    assert not problems, problems


def test_durations_are_realistic_and_every_category_spans_all_difficulties(
    library: Library,
) -> None:
    too_long_or_short = [
        task.slug
        for task in library.tasks
        if not MIN_DURATION <= task.duration_minutes <= MAX_DURATION
    ]
    assert not too_long_or_short
    for category, tasks in _by_category(library).items():
        assert {task.difficulty for task in tasks} == set(Difficulty), category


def test_time_of_day_is_varied_and_sensible(library: Library) -> None:
    assert {task.time_of_day for task in library.tasks} == set(TimeOfDay)
    by_category = _by_category(library)
    for category, tasks in by_category.items():
        assert len({task.time_of_day for task in tasks}) >= 2, category

    sleep = [task.time_of_day for task in by_category[Category.SLEEP]]
    assert set(sleep) <= {TimeOfDay.EVENING, TimeOfDay.MORNING}
    assert sleep.count(TimeOfDay.EVENING) >= 0.75 * len(sleep)
    assert 1 <= sleep.count(TimeOfDay.MORNING) <= 3

    focus = [task.time_of_day for task in by_category[Category.FOCUS]]
    working_hours = sum(t in {TimeOfDay.MORNING, TimeOfDay.AFTERNOON} for t in focus)
    assert working_hours >= 0.75 * len(focus)
    assert TimeOfDay.EVENING not in focus


def test_archetype_fits_discriminate_within_every_category(library: Library) -> None:
    problems = []
    for category, tasks in _by_category(library).items():
        for archetype in ALL_ARCHETYPES:
            spread = _spread([task.archetype_fit[archetype] for task in tasks])
            if spread < MIN_ARCHETYPE_SPREAD - EPSILON:
                problems.append(f"{category}/{archetype}: spread {spread:.2f}")
    assert not problems, problems


def test_mode_fits_discriminate_within_every_category(library: Library) -> None:
    problems = []
    for category, tasks in _by_category(library).items():
        for mode in ALL_MODES:
            spread = _spread([task.mode_fit[mode] for task in tasks])
            if spread < MIN_MODE_SPREAD - EPSILON:
                problems.append(f"{category}/{mode}: spread {spread:.2f}")
    assert not problems, problems


def test_mode_fits_follow_intensity(library: Library) -> None:
    problems = []
    for task in library.tasks:
        low, high = task.mode_fit[Mode.LOW], task.mode_fit[Mode.HIGH]
        demanding = task.difficulty is Difficulty.CHALLENGING or "intense" in task.tags
        if demanding and not (high >= 0.7 and low <= 0.3):
            problems.append(f"{task.slug}: demanding but low={low} high={high}")
        if "gentle" in task.tags:
            if task.difficulty is Difficulty.CHALLENGING or "intense" in task.tags:
                problems.append(f"{task.slug}: tagged gentle but demanding")
            if low < 0.7:
                problems.append(f"{task.slug}: gentle but low={low}")
        if task.difficulty is Difficulty.EASY and low < high:
            problems.append(f"{task.slug}: easy but fits high mode better than low")
    assert not problems, problems


def _mean_fit(tasks: list[Task], archetype: Archetype) -> float:
    return mean(task.archetype_fit[archetype] for task in tasks)


def test_archetype_fits_follow_the_archetype_meanings(library: Library) -> None:
    likes_easy = (Archetype.FOUNDATION_BUILDER, Archetype.RESILIENCE_REBUILDER)
    likes_hard = (Archetype.TRANSFORMATION_SEEKER, Archetype.PEAK_PERFORMER)
    for category, tasks in _by_category(library).items():
        easy = [t for t in tasks if t.difficulty is Difficulty.EASY]
        hard = [t for t in tasks if t.difficulty is Difficulty.CHALLENGING]
        for archetype in likes_easy:
            assert _mean_fit(easy, archetype) > _mean_fit(hard, archetype), (category, archetype)
        for archetype in likes_hard:
            assert _mean_fit(hard, archetype) > _mean_fit(easy, archetype), (category, archetype)

    def contrast(archetype: Archetype, tags: set[str]) -> float:
        tagged = [t for t in library.tasks if tags & set(t.tags)]
        others = [t for t in library.tasks if not tags & set(t.tags)]
        return _mean_fit(tagged, archetype) - _mean_fit(others, archetype)

    assert contrast(Archetype.SYSTEMATIC_IMPROVER, {"tracking"}) >= 0.2
    assert contrast(Archetype.CONNECTED_EXPLORER, {"social", "outdoor"}) >= 0.2
    assert contrast(Archetype.RESILIENCE_REBUILDER, {"gentle", "restorative"}) >= 0.2
    assert contrast(Archetype.TRANSFORMATION_SEEKER, {"intense"}) >= 0.2


def test_wording_is_generic_and_safe(library: Library) -> None:
    hits = []
    for task in library.tasks:
        for text in (task.name, task.description, task.subcategory, *task.tags):
            match = FORBIDDEN.search(text)
            if match:
                hits.append(f"{task.slug}: {match.group(0)!r}")
    assert not hits, hits


def test_forbidden_words_are_caught() -> None:
    for text in ("A melatonin tablet", "Detox water", "Take 200 mg", "It cures colds"):
        assert FORBIDDEN.search(text), text
    for text in ("A healthy lunch", "Secure a quiet spot", "Community street walk"):
        assert not FORBIDDEN.search(text), text


def test_text_is_plain_and_friendly(library: Library) -> None:
    problems = []
    for task in library.tasks:
        description = task.description
        sentences = len(SENTENCE_END.findall(description))
        if not (description[0].isupper() and description.endswith(".") and 1 <= sentences <= 2):
            problems.append(f"{task.slug}: description should be one or two sentences")
        if len(description) > 300 or len(task.name) > 60 or not task.name[0].isupper():
            problems.append(f"{task.slug}: name or description length/case")
        if not 1 <= len(task.tags) <= 6 or len(set(task.tags)) != len(task.tags):
            problems.append(f"{task.slug}: tags {task.tags}")
        problems.extend(f"{task.slug}: tag {tag!r}" for tag in task.tags if not TAG.match(tag))
    assert not problems, problems
