"""The seed's complete example in asyncio style: the same events, promises awaited.

python examples/complete_example_async.py ws://127.0.0.1:9001/...
"""

import asyncio
import sys

from impl import webSocket


async def main(url: str) -> None:
    ws = webSocket.createWebSocket()
    closed = asyncio.Event()

    def on_message(err, value):
        print("on message, message:" + str(value))
        if value == "bye":
            ws.close()

    ws.on(
        "open", lambda err, value: print(f"on open, status:{value.status}, message:{value.message}")
    )
    ws.on("message", on_message)
    ws.on(
        "close",
        lambda err, value: (
            print(f"on close, code is {value.code}, reason is {value.reason}"),
            closed.set(),
        ),
    )
    ws.on("error", lambda err: print(f"on error, error:{err.code} {err.message}"))
    await ws.connect(url)
    print("connect success")
    await ws.send("Hello, server!")
    print("send success")
    await asyncio.wait_for(closed.wait(), 10)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:9001/echo"))
