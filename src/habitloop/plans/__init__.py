"""Daily plans: generation, storage, rotation state and the decision log."""
