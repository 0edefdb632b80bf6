"""Implementations that stop answering in ways a platform team's first run often does: used to
measure that a run against them ends in bounded time (docs/conformance.md, "Run time")."""
