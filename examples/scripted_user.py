"""The scripted user of the learning tests, as a runnable example of the library API.

Completes every movement task and skips every nutrition task, one plan a day, and prints how
movement and nutrition affinity and the learning phase move. Run:

    python examples/scripted_user.py
"""

from __future__ import annotations

import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path

from habitloop import Habitloop


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Habitloop(f"sqlite:///{Path(tmp) / 'demo.db'}") as hl,
    ):
        ana = uuid.uuid4()
        hl.put_user(ana, {"archetype": "Connected Explorer"})
        start = date(2026, 3, 1)
        print("day  phase          movement  nutrition")
        for n in range(10):
            day = start + timedelta(days=n)
            plan = hl.plan(ana, {"date": day})
            for item in plan.items:
                status = {"movement": "completed", "nutrition": "skipped"}.get(item.category)
                if status:
                    hl.feedback(
                        {
                            "user_id": ana,
                            "plan_item_id": item.item_id,
                            "status": status,
                            "occurred_at": f"{day}T19:00:00+00:00",
                        }
                    )
            seen = hl.profile(ana, day)
            affinity = seen.category_affinity
            print(
                f"{n + 1:>3}  {plan.learning_phase.value:<13}  "
                f"{affinity['movement']:.3f}     {affinity['nutrition']:.3f}"
            )


if __name__ == "__main__":
    main()
