"""The bandit policy's state as rows: per-user arms and per-archetype pooled arms."""
