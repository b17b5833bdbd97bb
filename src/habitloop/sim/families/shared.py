"""``shared``: most of what makes a task appealing is the same for everyone.

=====================  ========================================================================
term                   distribution (logit)
=====================  ========================================================================
group appeal           N(0, 0.4) per variation group, once per population (seed)
task appeal            N(0, 0.8) per task, once per population, plus its group's appeal
personal deviation     N(0, 0.25h) per task and user, added to the task's appeal
category, tag tastes   the baseline draw pulled toward the archetype's means: mean + 0.4 x
                       (draw - mean), so personal sd 0.14h (categories) and 0.22h (tags)
everything else        as ``baseline``
=====================  ========================================================================

The shared part of a task's appeal has variance 0.8 against about 0.1 of personal taste, so
two users' appeals across tasks correlate at about 0.8 whatever their archetypes.

**Why it exists.** It is the world a hosted personalizer assumes: one model over everyone's
answers learns within days which tasks people finish, while a learner that treats each user
alone (or pools only within an archetype, a sixth of the data) needs weeks for the same. A
learner that pools across users and keeps a personal part does best here.
"""

from __future__ import annotations

from dataclasses import replace
from random import Random
from types import MappingProxyType

from habitloop.core.vocab import Archetype
from habitloop.sim.families.base import Setting, base_traits
from habitloop.sim.traits import Extras, Traits, means_of

GROUP_SD = 0.4
TASK_SD = 0.8
PERSONAL_SD = 0.25
TASTE_SHRINK = 0.4


def population_appeal(setting: Setting) -> dict[str, float]:
    """Each task's appeal shared by the whole population (its own plus its group's)."""
    rng = Random(f"habitloop-sim:{setting.seed}:shared:appeal")
    tasks = sorted(setting.library.tasks, key=lambda t: t.slug)
    groups = sorted({t.variation_group for t in tasks})
    group_appeal = {g: rng.gauss(0.0, GROUP_SD) for g in groups}
    return {t.slug: rng.gauss(0.0, TASK_SD) + group_appeal[t.variation_group] for t in tasks}


class Shared:
    name = "shared"

    def __init__(self, setting: Setting) -> None:
        self.setting = setting
        self.appeal = population_appeal(setting)

    def traits(self, index: int, declared: Archetype) -> Traits:
        base = base_traits(self.setting, index, declared)
        rng = self.setting.stream(index, "shared")
        sd = PERSONAL_SD * self.setting.h
        appeal = {slug: a + rng.gauss(0.0, sd) for slug, a in self.appeal.items()}
        means = means_of(declared)
        categories = {
            c: means.categories.get(c, 0.0) + TASTE_SHRINK * (v - means.categories.get(c, 0.0))
            for c, v in base.category_affinity.items()
        }
        tags = {
            t: means.tags.get(t, 0.0) + TASTE_SHRINK * (v - means.tags.get(t, 0.0))
            for t, v in base.tag_affinity.items()
        }
        return replace(
            base,
            family=self.name,
            category_affinity=MappingProxyType(categories),
            tag_affinity=MappingProxyType(tags),
            extras=Extras(appeal=MappingProxyType(appeal)),
        )
