"""Reference implementation of the OpenHarmony ``@ohos.net.webSocket`` API on aiohttp.

``from impl import webSocket`` mirrors ``import webSocket from '@ohos.net.webSocket'``.
"""

from . import webSocket

__all__ = ["webSocket"]
