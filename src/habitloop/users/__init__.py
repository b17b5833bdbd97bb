"""Users: archetype, day shape, categories and goals."""
