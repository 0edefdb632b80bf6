"""Deliberately broken implementations: each wraps ``impl`` and breaks one clause (``CLAUSE``).

The self-check runs the suite on each and expects a FAILED case on that clause.
"""
