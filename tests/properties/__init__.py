"""Hypothesis: the seat services driven at random against a plain model."""
