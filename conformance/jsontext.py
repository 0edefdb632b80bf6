"""JSON text for the files people open (case files, ``index.json``), written by the C encoder.

``json.dumps(..., indent=N)`` always takes the pure-Python encoder: on a whole run, indenting
the case files cost more than the rest of writing them. ``readable_json`` lays out only the
first ``depth`` levels of objects and arrays one member a line, and writes every deeper value
on its member's line with the C encoder: a case file reads as one trace entry, check or
connection a line; ``index.json`` as one case row a line. Any JSON reader reads it as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable


def readable_json(
    value: object, depth: int = 2, default: Callable[[object], object] | None = None
) -> str:
    """``value`` as JSON text: objects and arrays of the first ``depth`` levels one member a
    line (indented one space a level), everything deeper compact on its line. ``default`` is
    ``json.dumps``'s (what to write for a value JSON cannot hold); non-ASCII text is kept."""
    return _layout(value, depth, default, 0)


def _layout(
    value: object, depth: int, default: Callable[[object], object] | None, level: int
) -> str:
    if level < depth and isinstance(value, dict) and value:
        pad = " " * (level + 1)
        members = (
            f"{pad}{json.dumps(str(key), ensure_ascii=False)}: "
            f"{_layout(item, depth, default, level + 1)}"
            for key, item in value.items()
        )
        return "{\n" + ",\n".join(members) + "\n" + " " * level + "}"
    if level < depth and isinstance(value, list) and value:
        pad = " " * (level + 1)
        members = (f"{pad}{_layout(item, depth, default, level + 1)}" for item in value)
        return "[\n" + ",\n".join(members) + "\n" + " " * level + "]"
    return json.dumps(value, ensure_ascii=False, default=default)
