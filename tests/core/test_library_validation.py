"""Library validation: ``build_library`` collects every problem; files round-trip."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habitloop.core.library import (
    MIN_GROUPS_PER_CATEGORY,
    Library,
    LibraryInvalid,
    Problem,
    Task,
    build_library,
    dump_library,
    load_library_file,
    parse_document,
)
from habitloop.core.vocab import Archetype, Category, Mode
from habitloop.tasks.files import shipped_library_path

Document = dict[str, Any]
RAW: Document = yaml.safe_load(shipped_library_path("v1").read_text(encoding="utf-8"))
SHIPPED: Library = build_library(RAW, "shipped")


def document() -> Document:
    """A fresh, valid, mutable copy of the shipped library document."""
    return copy.deepcopy(RAW)


def task_of(doc: Document, category: str, nth: int = 0) -> dict[str, Any]:
    tasks = [t for t in doc["tasks"] if t["category"] == category]
    return tasks[nth]  # type: ignore[no-any-return]


def problems_of(doc: object, **kwargs: Any) -> tuple[Problem, ...]:
    with pytest.raises(LibraryInvalid) as info:
        build_library(doc, "lib.yaml", **kwargs)
    problems = info.value.problems
    assert problems, "LibraryInvalid without problems"
    # The message lists every problem, one per line.
    message = str(info.value)
    assert f"{len(problems)} problem(s)" in message
    for problem in problems:
        assert str(problem) in message
        assert problem.source == "lib.yaml"
    return problems


def only_problem(doc: object) -> Problem:
    problems = problems_of(doc)
    assert len(problems) == 1, problems
    return problems[0]


# ---- the valid case -------------------------------------------------------------------------


def test_shipped_library_builds_and_indexes() -> None:
    assert SHIPPED.version == "v1"
    assert len(SHIPPED) == len(RAW["tasks"]) == 77
    assert SHIPPED.active_count == 77
    assert set(SHIPPED.by_category) == set(Category)
    assert sum(len(ts) for ts in SHIPPED.by_category.values()) == 77
    for task in SHIPPED.tasks:
        assert SHIPPED.by_id[task.id] is task
        assert task in SHIPPED.by_category[task.category]
    for category in Category:
        tasks = SHIPPED.by_category[category]
        assert all(t.category is category for t in tasks)
        assert len({t.variation_group for t in tasks}) >= MIN_GROUPS_PER_CATEGORY


def test_library_hashes_by_identity() -> None:
    again = build_library(document(), "shipped")
    assert again.tasks == SHIPPED.tasks
    assert again != SHIPPED  # eq=False: identity, so score caches are per library object


def test_inactive_tasks_are_kept_but_not_indexed_by_category() -> None:
    doc = document()
    target = task_of(doc, "hydration")
    target["active"] = False
    library = build_library(doc)
    task_id = uuid.UUID(target["id"])
    assert task_id in library.by_id
    assert library.active_count == 76
    assert all(t.id != task_id for t in library.by_category[Category.HYDRATION])


def test_category_aliases_and_display_names_are_normalised() -> None:
    doc = document()
    target = task_of(doc, "wellness")
    target["category"] = "Mindfulness"
    target["time_of_day"] = " Morning "
    target["difficulty"] = "EASY"
    target["archetype_fit"] = {
        Archetype(k).display_name: v for k, v in target["archetype_fit"].items()
    }
    library = build_library(doc)
    task = library.by_id[uuid.UUID(target["id"])]
    assert task.category is Category.WELLNESS
    assert set(task.archetype_fit) == set(Archetype)
    original = task_of(RAW, "wellness")
    for key, value in original["archetype_fit"].items():
        assert task.archetype_fit[Archetype(key)] == value


def test_tasks_are_frozen() -> None:
    task = SHIPPED.tasks[0]
    with pytest.raises(ValueError, match="frozen"):
        task.slug = "other"  # type: ignore[misc]


# ---- one problem at a time ------------------------------------------------------------------


def _set(field: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(task: dict[str, Any]) -> None:
        task[field] = value

    return mutate


def _fit(field: str, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def mutate(task: dict[str, Any]) -> None:
        task[field][key] = value

    return mutate


def _drop(field: str, key: str | None = None) -> Callable[[dict[str, Any]], None]:
    def mutate(task: dict[str, Any]) -> None:
        if key is None:
            del task[field]
        else:
            del task[field][key]

    return mutate


def _archetype_fit_as_string(task: dict[str, Any]) -> None:
    task["archetype_fit"] = json.dumps(task["archetype_fit"])


def _mode_fit_as_string(task: dict[str, Any]) -> None:
    task["mode_fit"] = json.dumps(task["mode_fit"])


@pytest.mark.parametrize(
    ("mutate", "field", "why"),
    [
        (_archetype_fit_as_string, "archetype_fit", "must be a mapping, not a string"),
        (_mode_fit_as_string, "mode_fit", "must be a mapping, not a string"),
        (_drop("archetype_fit", "peak_performer"), "archetype_fit", "missing archetypes"),
        (_drop("mode_fit", "low"), "mode_fit", "missing modes: low"),
        (_fit("archetype_fit", "wizard", 0.5), "archetype_fit", "unknown archetype 'wizard'"),
        (_fit("archetype_fit", "peak_performer", 1.5), "archetype_fit.peak_performer", ""),
        (_fit("mode_fit", "high", -0.1), "mode_fit.high", ""),
        (_fit("mode_fit", "extreme", 0.5), "mode_fit.extreme.[key]", ""),
        (_set("name", "Glass\x00of water"), "name", "NUL"),
        (_set("description", "Drink\x00"), "description", "NUL"),
        (_set("subcategory", "\x00"), "subcategory", "NUL"),
        (_set("tags", ["ok", "bad\x00tag"]), "tags.1", "NUL"),
        (_set("colour", "blue"), "colour", "Extra inputs are not permitted"),
        (_set("category", "gardening"), "category", "unknown category"),
        (_set("time_of_day", "night"), "time_of_day", "unknown timeofday"),
        (_set("difficulty", "hard"), "difficulty", "unknown difficulty"),
        (_set("duration_minutes", 0), "duration_minutes", ""),
        (_set("duration_minutes", 241), "duration_minutes", ""),
        (_set("slug", "Not A Slug"), "slug", ""),
        (_set("variation_group", "bad group"), "variation_group", ""),
        (_set("id", "not-a-uuid"), "id", ""),
        (_set("name", ""), "name", ""),
        (_drop("description"), "description", "Field required"),
    ],
)
def test_one_bad_field_gives_one_problem_naming_task_and_field(
    mutate: Callable[[dict[str, Any]], None], field: str, why: str
) -> None:
    doc = document()
    target = task_of(doc, "hydration")
    mutate(target)
    problem = only_problem(doc)
    assert problem.task == target.get("slug", "-")
    assert problem.field == field
    assert why in problem.why


def test_every_problem_is_collected() -> None:
    doc = document()
    bad = {
        task_of(doc, "hydration")["slug"]: ("archetype_fit", _archetype_fit_as_string),
        task_of(doc, "movement")["slug"]: ("name", _set("name", "x\x00")),
        task_of(doc, "sleep")["slug"]: ("mode_fit", _drop("mode_fit", "high")),
        task_of(doc, "focus")["slug"]: ("extra", _set("extra", 1)),
    }
    for task in doc["tasks"]:
        if task["slug"] in bad:
            bad[task["slug"]][1](task)
    doc["tasks"][-1]["duration_minutes"] = -5
    doc["tasks"][-1]["difficulty"] = "impossible"
    last = doc["tasks"][-1]["slug"]

    problems = problems_of(doc)
    found = {(p.task, p.field) for p in problems}
    for slug, (field, _) in bad.items():
        assert (slug, field) in found
    assert (last, "duration_minutes") in found
    assert (last, "difficulty") in found
    assert len(problems) == 6


def test_a_task_that_is_not_a_mapping_is_labelled_by_position() -> None:
    doc = document()
    doc["tasks"].append("just a string")
    problem = only_problem(doc)
    assert problem.task == f"#{len(doc['tasks'])}"


def test_a_task_without_a_slug_is_labelled_by_position() -> None:
    doc = document()
    del doc["tasks"][2]["slug"]
    problem = only_problem(doc)
    assert problem.task == "#3"
    assert problem.field == "slug"


def test_duplicate_ids_name_both_tasks() -> None:
    doc = document()
    first, second = doc["tasks"][0], doc["tasks"][1]
    second["id"] = first["id"]
    problems = problems_of(doc)
    assert {(p.task, p.field) for p in problems} == {
        (first["slug"], "id"),
        (second["slug"], "id"),
    }
    assert all(first["id"] in p.why for p in problems)


def test_duplicate_slugs_are_refused() -> None:
    doc = document()
    clone = copy.deepcopy(doc["tasks"][0])
    clone["id"] = str(uuid.uuid4())
    doc["tasks"].append(clone)
    problems = problems_of(doc)
    assert [(p.task, p.field) for p in problems] == [(clone["slug"], "slug")] * 2


def test_an_exact_duplicate_task_gives_both_id_and_slug_problems() -> None:
    doc = document()
    doc["tasks"].append(copy.deepcopy(doc["tasks"][5]))
    fields = sorted(p.field for p in problems_of(doc))
    assert fields == ["id", "id", "slug", "slug"]


def test_a_group_shared_between_categories_is_refused() -> None:
    doc = document()
    hydration_group = task_of(doc, "hydration")["variation_group"]
    intruder = task_of(doc, "sleep")
    intruder["variation_group"] = hydration_group
    problem = only_problem(doc)
    assert problem.task == intruder["slug"]
    assert problem.field == "variation_group"
    assert hydration_group in problem.why
    assert "hydration" in problem.why


def _collapse_groups(doc: Document, category: str, keep: int) -> None:
    groups = sorted({t["variation_group"] for t in doc["tasks"] if t["category"] == category})
    survivors = groups[:keep]
    for task in doc["tasks"]:
        if task["category"] == category and task["variation_group"] not in survivors:
            task["variation_group"] = survivors[0]


def test_a_category_with_fewer_than_four_groups_is_refused() -> None:
    doc = document()
    _collapse_groups(doc, "focus", 3)
    problem = only_problem(doc)
    assert problem.task == "-"
    assert problem.field == "category focus"
    assert "has 3 active variation group(s)" in problem.why
    # Exactly four is enough.
    doc = document()
    _collapse_groups(doc, "focus", 4)
    focus = build_library(doc).by_category[Category.FOCUS]
    assert len({t.variation_group for t in focus}) == 4


def test_group_count_ignores_inactive_tasks() -> None:
    doc = document()
    groups = sorted({t["variation_group"] for t in doc["tasks"] if t["category"] == "sleep"})
    assert len(groups) == 4
    for task in doc["tasks"]:
        if task["variation_group"] == groups[0]:
            task["active"] = False
    assert only_problem(doc).field == "category sleep"


def test_group_rule_can_be_switched_off_and_missing_categories_count() -> None:
    doc = document()
    doc["tasks"] = [t for t in doc["tasks"] if t["category"] == "hydration"]
    problems = problems_of(doc)
    assert sorted(p.field for p in problems) == sorted(
        f"category {c.value}" for c in Category if c is not Category.HYDRATION
    )
    library = build_library(doc, require_groups=False)
    assert set(library.by_category) == {Category.HYDRATION}


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([], "-"),
        ("tasks", "-"),
        (None, "-"),
        ({"version": "v1"}, "tasks"),
        ({"version": "v1", "tasks": []}, "tasks"),
        ({"version": "v1", "tasks": {"a": 1}}, "tasks"),
    ],
)
def test_malformed_documents(doc: object, field: str) -> None:
    assert only_problem(doc).field == field


@pytest.mark.parametrize("version", [None, "", "   ", 1, ["v1"]])
def test_version_must_be_a_non_empty_string(version: object) -> None:
    doc = document()
    doc["version"] = version
    assert only_problem(doc).field == "version"


def test_version_problem_is_reported_together_with_task_problems() -> None:
    doc = document()
    doc["version"] = ""
    doc["tasks"][0]["colour"] = "red"
    doc["extra_top"] = 1
    fields = {p.field for p in problems_of(doc)}
    assert fields == {"version", "colour", "extra_top"}


def test_unknown_top_level_fields_are_refused() -> None:
    doc = document()
    doc["author"] = "me"
    doc["notes"] = "x"
    problem = only_problem(doc)
    assert problem.field == "author, notes"
    assert "unknown top-level field" in problem.why


def test_version_is_stripped() -> None:
    doc = document()
    doc["version"] = "  v9 "
    assert build_library(doc).version == "v9"


def test_nul_in_version_is_refused() -> None:
    doc = document()
    doc["version"] = "v1\x00"
    assert only_problem(doc).field == "version"


def test_conflicting_spellings_of_one_archetype_are_refused() -> None:
    doc = document()
    target = task_of(doc, "hydration")
    target["archetype_fit"]["Peak Performer"] = 0.0  # beside peak_performer: 0.25
    problem = only_problem(doc)
    assert problem.field == "archetype_fit"


# ---- parsing and files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("version: v1\ntasks: [unclosed\n", "lib.yaml"),
        ("version: v1\n  tasks:\n- a: [\n", "lib.yml"),
        ('{"version": "v1", "tasks": [}', "lib.json"),
        ("version: v1", "lib.json"),  # valid YAML, but a .json file is parsed as JSON
    ],
)
def test_parse_errors_become_one_problem(text: str, source: str) -> None:
    with pytest.raises(LibraryInvalid) as info:
        parse_document(text, source)
    (problem,) = info.value.problems
    assert problem.source == source
    assert "cannot be parsed" in problem.why


def test_parse_document_reads_yaml_and_json() -> None:
    assert parse_document("version: v1\ntasks: []\n", "x.yaml") == {"version": "v1", "tasks": []}
    assert parse_document('{"version": "v1"}', "x.json") == {"version": "v1"}


def test_load_reports_unreadable_and_invalid_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(LibraryInvalid, match="cannot be read") as info:
        load_library_file(missing)
    assert info.value.problems[0].source == str(missing)

    bad = tmp_path / "bad.yaml"
    doc = document()
    doc["tasks"][0]["mode_fit"] = "{}"
    bad.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(LibraryInvalid) as info:
        load_library_file(bad)
    (problem,) = info.value.problems
    assert problem.source == str(bad)
    assert problem.field == "mode_fit"


def test_a_file_that_is_not_utf8_is_a_library_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"version: v1\ntasks:\n  - name: caf\xe9\n")
    with pytest.raises(LibraryInvalid):
        load_library_file(path)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_dump_then_load_round_trips(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"library{suffix}"
    dump_library(SHIPPED, path)
    loaded = load_library_file(path)
    assert loaded.version == SHIPPED.version
    assert loaded.tasks == SHIPPED.tasks
    if suffix == ".json":
        assert json.loads(path.read_text(encoding="utf-8")) == SHIPPED.to_document()
    # Fit maps are written as mappings, never as strings.
    written = parse_document(path.read_text(encoding="utf-8"), str(path))
    assert isinstance(written, dict)
    for raw in written["tasks"]:
        assert isinstance(raw["archetype_fit"], dict)
        assert isinstance(raw["mode_fit"], dict)


def test_to_document_keeps_the_file_field_order() -> None:
    doc = SHIPPED.tasks[0].to_document()
    assert list(doc) == list(RAW["tasks"][0])
    assert doc["id"] == RAW["tasks"][0]["id"]
    assert doc["archetype_fit"] == RAW["tasks"][0]["archetype_fit"]


_text = st.text(
    st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
    min_size=1,
    max_size=40,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=_text,
    description=_text,
    tag=st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s),
    suffix=st.sampled_from([".yaml", ".json"]),
)
def test_round_trip_survives_awkward_text(
    tmp_path: Path, name: str, description: str, tag: str, suffix: str
) -> None:
    doc = document()
    doc["tasks"][0].update(name=name, description=description, tags=[tag, "yes", "null"])
    doc["tasks"][1].update(description="1.5", subcategory="true", name="- item: # not a comment")
    library = build_library(doc)
    path = tmp_path / f"awkward{suffix}"
    dump_library(library, path)
    assert load_library_file(path).tasks == library.tasks


def test_task_model_refuses_string_fit_maps_directly() -> None:
    raw = copy.deepcopy(RAW["tasks"][0])
    raw["archetype_fit"] = json.dumps(raw["archetype_fit"])
    with pytest.raises(ValueError, match="must be a mapping, not a string"):
        Task.model_validate(raw)


def test_fit_maps_cover_every_archetype_and_mode() -> None:
    for task in SHIPPED.tasks:
        assert set(task.archetype_fit) == set(Archetype)
        assert set(task.mode_fit) == set(Mode)


@pytest.mark.parametrize("line_break", ["\x85", "\u2028", "\u2029"])
def test_round_trip_keeps_unicode_line_breaks(tmp_path: Path, line_break: str) -> None:
    doc = document()
    doc["tasks"][0].update(name=f"a{line_break}b", tags=[line_break, f"x{line_break}"])
    library = build_library(doc)
    path = tmp_path / "breaks.yaml"
    dump_library(library, path)
    assert load_library_file(path).tasks == library.tasks
