"""Weekly summaries: a user's ISO week in figures and plain words, stored per week."""
