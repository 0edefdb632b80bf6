"""A scriptable aiohttp WebSocket server that records a wire log of everything it saw."""
