"""Off-policy estimates recover the simulator's true values of policies it never ran."""

from __future__ import annotations

from habitloop.core.library import load_library_file
from habitloop.sim.ope_check import ORACLE, TARGETS, check, collect, to_markdown
from habitloop.tasks.files import shipped_library_path


def test_estimates_from_uniform_logs_cover_the_true_values() -> None:
    library = load_library_file(shipped_library_path("v1"))
    log = collect(library, users=60, days=10, seed=11)
    checks = check(log)
    assert [c.target for c in checks] == [*TARGETS, ORACLE]
    for c in checks:
        for method in ("IPW", "SNIPS", "DR"):
            estimate = c.estimates[method]
            assert abs(estimate.value - c.truth) < 3.5 * estimate.stderr, (c.target, method)
    # The oracle is worth more than the static template, and the estimates see it.
    by_name = {c.target: c for c in checks}
    assert by_name["oracle"].truth > by_name["static"].truth
    assert by_name["oracle"].estimates["DR"].value > by_name["static"].estimates["DR"].value
    assert "| oracle |" in to_markdown(checks, len(log.rewards))
