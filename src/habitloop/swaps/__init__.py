"""Swapping a planned item: a skip recorded by feedback, and a replacement made by plans."""
