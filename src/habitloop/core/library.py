"""The task library: the task model, validation of a whole library, and lookup indexes.

A library file (YAML or JSON) is ``{"version": str, "tasks": [task, ...]}``. Validation collects
every problem (task slug, field, why) before refusing, so one run of ``library validate`` shows
all that needs fixing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from habitloop.core.vocab import (
    ALL_ARCHETYPES,
    ALL_MODES,
    Archetype,
    Category,
    Difficulty,
    Mode,
    TimeOfDay,
    normalise,
    normalise_category,
)

MAX_VERSION_LENGTH = 64
MIN_GROUPS_PER_CATEGORY = 4
"""A 72-hour rotation window hides at most three days of groups; a fourth keeps a category open."""


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=80)]
Fit = Annotated[float, Field(ge=0.0, le=1.0)]


def _parse_map(value: object) -> object:
    # A fit map stored as a JSON string was one of the defects this library replaces.
    if isinstance(value, str):
        raise ValueError("must be a mapping, not a string")
    return value


class Task(BaseModel):
    """One library task. Immutable; fit maps cover every archetype and mode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: UUID
    slug: Slug
    name: Annotated[Text, Field(min_length=1, max_length=120)]
    description: Annotated[Text, Field(min_length=1, max_length=600)]
    category: Annotated[Category, BeforeValidator(normalise_category)]
    subcategory: Annotated[Text, Field(min_length=1, max_length=60)]
    variation_group: Annotated[Slug, Field(min_length=1)]
    time_of_day: Annotated[TimeOfDay, BeforeValidator(lambda v: normalise(TimeOfDay, v))]
    duration_minutes: Annotated[int, Field(ge=1, le=240)]
    difficulty: Annotated[Difficulty, BeforeValidator(lambda v: normalise(Difficulty, v))]
    archetype_fit: Annotated[dict[Archetype, Fit], BeforeValidator(_parse_map)]
    mode_fit: Annotated[dict[Mode, Fit], BeforeValidator(_parse_map)]
    tags: tuple[Annotated[Text, Field(min_length=1, max_length=40)], ...] = ()
    active: bool = True

    @field_validator("archetype_fit", mode="before")
    @classmethod
    def _archetype_keys(cls, value: object) -> object:
        if not isinstance(value, Mapping):
            return value
        fits: dict[Archetype, object] = {}
        for key, fit in value.items():
            archetype = normalise(Archetype, key)
            if archetype in fits:
                raise ValueError(f"{archetype.value} is given twice (as {key!r} too)")
            fits[archetype] = fit
        return fits

    @field_validator("archetype_fit")
    @classmethod
    def _all_archetypes(cls, value: dict[Archetype, float]) -> dict[Archetype, float]:
        missing = [a.value for a in ALL_ARCHETYPES if a not in value]
        if missing:
            raise ValueError(f"missing archetypes: {', '.join(missing)}")
        return value

    @field_validator("mode_fit")
    @classmethod
    def _all_modes(cls, value: dict[Mode, float]) -> dict[Mode, float]:
        missing = [m.value for m in ALL_MODES if m not in value]
        if missing:
            raise ValueError(f"missing modes: {', '.join(missing)}")
        return value

    def to_document(self) -> dict[str, Any]:
        """The task as a plain JSON/YAML-ready mapping, in the library file's field order."""
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class Problem:
    """One reason a library was refused."""

    source: str
    task: str
    field: str
    why: str

    def __str__(self) -> str:
        return f"{self.source}: task {self.task}: {self.field}: {self.why}"


class LibraryInvalid(ValueError):
    """The library has problems; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the task library:\n{lines}")


@dataclass(frozen=True, eq=False)
class Library:
    """A validated, indexed library. Built once and shared read-only; hashed by identity so
    per-library score tables can be cached."""

    version: str
    tasks: tuple[Task, ...]
    by_id: Mapping[UUID, Task] = field(init=False, repr=False)
    by_category: Mapping[Category, tuple[Task, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_category: dict[Category, list[Task]] = defaultdict(list)
        for task in self.tasks:
            if task.active:
                by_category[task.category].append(task)
        object.__setattr__(self, "by_id", {t.id: t for t in self.tasks})
        object.__setattr__(self, "by_category", {c: tuple(ts) for c, ts in by_category.items()})

    def __len__(self) -> int:
        return len(self.tasks)

    @cached_property
    def active_count(self) -> int:
        return sum(1 for t in self.tasks if t.active)

    def to_document(self) -> dict[str, Any]:
        return {"version": self.version, "tasks": [t.to_document() for t in self.tasks]}


def _task_label(raw: object, index: int) -> str:
    if isinstance(raw, Mapping) and isinstance(raw.get("slug"), str):
        return str(raw["slug"])
    return f"#{index + 1}"


def build_library(
    document: object, source: str = "<library>", *, require_groups: bool = True
) -> Library:
    """Validate a library document and return the indexed library, or raise LibraryInvalid."""
    problems: list[Problem] = []
    if not isinstance(document, Mapping):
        raise LibraryInvalid([Problem(source, "-", "-", "the file must hold a mapping")])
    version = document.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append(Problem(source, "-", "version", "a non-empty string is required"))
    elif "\x00" in version or len(version) > MAX_VERSION_LENGTH:
        problems.append(
            Problem(source, "-", "version", f"at most {MAX_VERSION_LENGTH} characters, no NUL")
        )
    raw_tasks = document.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        problems.append(Problem(source, "-", "tasks", "a non-empty list is required"))
        raise LibraryInvalid(problems)
    unknown = sorted(set(document) - {"version", "tasks"})
    if unknown:
        problems.append(Problem(source, "-", ", ".join(unknown), "unknown top-level field"))

    tasks: list[Task] = []
    for index, raw in enumerate(raw_tasks):
        label = _task_label(raw, index)
        try:
            tasks.append(Task.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "-"
                why = err["msg"].removeprefix("Value error, ")
                problems.append(Problem(source, label, where, why))
    problems.extend(_cross_task_problems(tasks, source, require_groups=require_groups))
    if problems:
        raise LibraryInvalid(problems)
    return Library(version=str(version).strip(), tasks=tuple(tasks))


def _duplicates(values: Iterable[object]) -> set[object]:
    seen: set[object] = set()
    dup: set[object] = set()
    for value in values:
        (dup if value in seen else seen).add(value)
    return dup


def _cross_task_problems(
    tasks: Sequence[Task], source: str, *, require_groups: bool
) -> list[Problem]:
    problems: list[Problem] = []
    dup_ids = _duplicates(t.id for t in tasks)
    dup_slugs = _duplicates(t.slug for t in tasks)
    for task in tasks:
        if task.id in dup_ids:
            problems.append(Problem(source, task.slug, "id", f"{task.id} is used by another task"))
        if task.slug in dup_slugs:
            problems.append(Problem(source, task.slug, "slug", "used by another task"))
    group_category: dict[str, Category] = {}
    for task in tasks:
        owner = group_category.setdefault(task.variation_group, task.category)
        if owner is not task.category:
            problems.append(
                Problem(
                    source,
                    task.slug,
                    "variation_group",
                    f"{task.variation_group!r} already belongs to category {owner.value}",
                )
            )
    if require_groups:
        problems.extend(_group_problems(tasks, source))
    return problems


def _group_problems(tasks: Sequence[Task], source: str) -> list[Problem]:
    groups: dict[Category, set[str]] = defaultdict(set)
    for task in tasks:
        if task.active:
            groups[task.category].add(task.variation_group)
    problems = []
    for category in Category:
        count = len(groups.get(category, set()))
        if count < MIN_GROUPS_PER_CATEGORY:
            problems.append(
                Problem(
                    source,
                    "-",
                    f"category {category.value}",
                    f"has {count} active variation group(s); at least "
                    f"{MIN_GROUPS_PER_CATEGORY} keep the rotation window from emptying it",
                )
            )
    return problems


def parse_document(text: str, source: str) -> object:
    """Parse YAML or JSON text (JSON is YAML, but a .json file gets JSON's clearer errors)."""
    try:
        if source.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise LibraryInvalid([Problem(source, "-", "-", f"cannot be parsed: {exc}")]) from exc


def load_library_file(path: Path) -> Library:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryInvalid([Problem(str(path), "-", "-", f"cannot be read: {exc}")]) from exc
    return build_library(parse_document(text, str(path)), str(path))


_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


class _Dumper(yaml.SafeDumper):
    """Safe YAML, with strings holding a Unicode line break double-quoted: PyYAML writes NEL
    raw inside single quotes and reads it back as a space."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if any(ch in value for ch in _LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_library(library: Library, path: Path) -> None:
    document = library.to_document()
    if path.suffix == ".json":
        text = json.dumps(document, indent=2) + "\n"
    else:
        text = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
