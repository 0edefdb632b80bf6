"""A scriptable aiohttp WebSocket server with a wire log (docs/mockserver.md)."""

from .script import ScriptError, parse_script
from .server import MockServer, make_app, run_mockserver
from .wirelog import WireLog

__all__ = ["MockServer", "ScriptError", "WireLog", "make_app", "parse_script", "run_mockserver"]
