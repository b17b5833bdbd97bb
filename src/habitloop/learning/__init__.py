"""The learned state of each user: profile, learning phase, completion model, pooled
population, and the settlement of items left unanswered. Plans and feedback call it."""
