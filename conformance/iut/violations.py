"""What a driver wrote that breaks the driver protocol: the exception, and how it is quoted.

Every reader of driver output (``lines``, ``trace``, ``hello``) raises or records
``ProtocolViolation`` with ``quote`` of the offending text, so a report shows a capped,
printable part of it and never the whole of a hostile line.
"""

from __future__ import annotations

QUOTE = 200  # characters of an offending line quoted in a report


class ProtocolViolation(Exception):
    """A line (or a reply) that breaks the driver protocol; ``str()`` says what and quotes it."""


def quote(raw: bytes | str) -> str:
    """A capped, printable rendering of what a driver wrote."""
    text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
    return repr(text[:QUOTE]) + (f" … ({len(text)} characters)" if len(text) > QUOTE else "")
