"""The shared vocabulary: one spelling everywhere, forgiving normalisation of client input."""

from __future__ import annotations

from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from habitloop.core.vocab import (
    ALL_ARCHETYPES,
    ALL_CATEGORIES,
    ALL_MODES,
    CATEGORY_ALIASES,
    Archetype,
    Category,
    CompletionStatus,
    Difficulty,
    Mode,
    Phase,
    SkipReason,
    Strategy,
    TimeOfDay,
    normalise,
    normalise_category,
)

# The contract's spellings (ARCHITECTURE.md section 2); a renamed member breaks clients.
CONTRACT: dict[type[StrEnum], set[str]] = {
    Archetype: {
        "foundation_builder",
        "transformation_seeker",
        "peak_performer",
        "systematic_improver",
        "resilience_rebuilder",
        "connected_explorer",
    },
    Mode: {"low", "medium", "high"},
    Category: {"hydration", "movement", "nutrition", "wellness", "recovery", "sleep", "focus"},
    TimeOfDay: {"morning", "afternoon", "evening", "any"},
    Difficulty: {"easy", "moderate", "challenging"},
    Phase: {"discovery", "establishment", "mastery"},
    Strategy: {"static", "dynamic", "adaptive", "bandit"},
    CompletionStatus: {"completed", "partial", "skipped"},
    SkipReason: {"too_hard", "no_time", "not_interested", "forgot", "other"},
}


@pytest.mark.parametrize("enum", list(CONTRACT), ids=lambda e: e.__name__)
def test_enum_values_are_the_contract_spellings(enum: type[StrEnum]) -> None:
    assert {member.value for member in enum} == CONTRACT[enum]


def test_all_tuples_cover_their_enums() -> None:
    assert set(ALL_ARCHETYPES) == set(Archetype) and len(ALL_ARCHETYPES) == 6
    assert set(ALL_MODES) == set(Mode) and len(ALL_MODES) == 3
    assert set(ALL_CATEGORIES) == set(Category) and len(ALL_CATEGORIES) == 7


@pytest.mark.parametrize(
    "raw",
    [
        "Peak Performer",
        "peak-performer",
        " PEAK_PERFORMER ",
        "peak_performer",
        "Peak-Performer",
        "peak   performer",
        "\tpeak performer\n",
    ],
)
def test_archetype_spellings_normalise(raw: str) -> None:
    result = normalise(Archetype, raw)
    assert result is Archetype.PEAK_PERFORMER


def test_members_pass_through_unchanged() -> None:
    for archetype in Archetype:
        assert normalise(Archetype, archetype) is archetype
    for category in Category:
        assert normalise_category(category) is category


@pytest.mark.parametrize("archetype", list(Archetype))
def test_display_name_round_trips(archetype: Archetype) -> None:
    display = archetype.display_name
    assert display[0].isupper()
    assert "_" not in display
    assert normalise(Archetype, display) is archetype


def test_display_name_example() -> None:
    assert Archetype.PEAK_PERFORMER.display_name == "Peak Performer"
    assert Archetype.FOUNDATION_BUILDER.display_name == "Foundation Builder"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("work", Category.FOCUS),
        ("Work", Category.FOCUS),
        ("mindfulness", Category.WELLNESS),
        ("Mindfulness", Category.WELLNESS),
        ("breathing", Category.WELLNESS),
        ("stress_management", Category.WELLNESS),
        ("Stress Management", Category.WELLNESS),
        ("stress-management", Category.WELLNESS),
        ("focus", Category.FOCUS),
        (" SLEEP ", Category.SLEEP),
    ],
)
def test_category_aliases(raw: str, expected: Category) -> None:
    assert normalise_category(raw) is expected


def test_aliases_only_apply_where_given() -> None:
    # Without the alias table "work" is not a category.
    with pytest.raises(ValueError, match="unknown category"):
        normalise(Category, "work")
    assert set(CATEGORY_ALIASES.values()) <= set(Category)
    # An alias must never shadow a real value.
    assert not set(CATEGORY_ALIASES) & {c.value for c in Category}


@pytest.mark.parametrize(
    ("enum", "raw"),
    [
        (Archetype, "wizard"),
        (Archetype, ""),
        (Archetype, "peak"),
        (Mode, "extreme"),
        (Category, "gardening"),
        (TimeOfDay, "night"),
        (Difficulty, "hard"),
    ],
)
def test_unknown_values_raise_listing_accepted_values(enum: type[StrEnum], raw: str) -> None:
    with pytest.raises(ValueError, match="expected one of") as info:
        normalise(enum, raw)
    message = str(info.value)
    assert repr(raw) in message
    for member in enum:
        assert member.value in message


def test_unknown_category_lists_categories() -> None:
    with pytest.raises(ValueError, match="unknown category") as info:
        normalise_category("gardening")
    for category in Category:
        assert category.value in str(info.value)


@pytest.mark.parametrize("raw", [None, 1, 2.5, True, b"peak_performer", ["peak_performer"], {}])
def test_non_strings_are_rejected(raw: object) -> None:
    with pytest.raises(ValueError, match="expected a string"):
        normalise(Archetype, raw)
    with pytest.raises(ValueError, match="expected a string"):
        normalise_category(raw)


def test_a_member_of_another_enum_is_not_accepted() -> None:
    with pytest.raises(ValueError, match="unknown mode"):
        normalise(Mode, Category.SLEEP)


@given(
    archetype=st.sampled_from(list(Archetype)),
    upper=st.lists(st.booleans(), min_size=40, max_size=40),
    separator=st.sampled_from([" ", "-", "_", "  ", " - "]),
    pad=st.sampled_from(["", " ", "\t", "  \n"]),
)
def test_any_case_and_separator_normalises(
    archetype: Archetype, upper: list[bool], separator: str, pad: str
) -> None:
    words = archetype.value.split("_")
    text = separator.join(words)
    cased = "".join(ch.upper() if up else ch for ch, up in zip(text, upper, strict=False))
    assert normalise(Archetype, f"{pad}{cased}{pad}") is archetype
