"""Synthetic users and baseline policies for evaluating habitloop's strategies.

Pure and seeded: no database, web framework, clock, settings or global random state. The
distributions and effect sizes are documented in ``traits`` (the baseline traits), ``families``
(the user-model families and the tuned-on / held-out split), ``latent`` (the completion model)
and ``behaviour`` (what a user does with a day and a plan).
"""

from habitloop.sim.baselines import LatentModel, OraclePolicy, OracleView, RandomPolicy
from habitloop.sim.behaviour import DayStart, Response, SimUser
from habitloop.sim.population import (
    HETEROGENEITY_SCALE,
    Heterogeneity,
    PreferenceShift,
    Traits,
    make_population,
)

__all__ = [
    "HETEROGENEITY_SCALE",
    "DayStart",
    "Heterogeneity",
    "LatentModel",
    "OraclePolicy",
    "OracleView",
    "PreferenceShift",
    "RandomPolicy",
    "Response",
    "SimUser",
    "Traits",
    "make_population",
]
