"""Shared fixtures: the mock server (in the test's loop, and in a thread of its own)."""

pytest_plugins = ["mockserver.pytest_plugin"]
