"""The seed's 完整示例 (complete example) as a plain script: callbacks only, no asyncio.

    python examples/complete_example.py ws://127.0.0.1:9001/script?script=...

It connects, says hello on 'open', closes when the server says 'bye', and the process exits
by itself once 'close' has fired (the library's loop thread ends when nothing is left to do).
"""

import json
import sys

from impl import webSocket

defaultIpAddress = sys.argv[1] if len(sys.argv) > 1 else "ws://127.0.0.1:9001/echo"
ws = webSocket.createWebSocket()


def on_open(err, value):
    print("on open, status:" + str(value.status) + ", message:" + value.message)
    # 当收到on('open')事件时，可以通过send()方法与服务器进行通信
    ws.send(
        "Hello, server!",
        lambda err, value: print("send success" if not err else "send fail, err:" + repr(err)),
    )


def on_message(err, value):
    print("on message, message:" + str(value))
    # 当收到服务器的`bye`消息时，主动断开连接
    if value == "bye":
        ws.close(
            lambda err, value: print(
                "close success" if not err else "close fail, err is " + repr(err)
            )
        )


ws.on("open", on_open)
ws.on("message", on_message)
ws.on(
    "close",
    lambda err, value: print(
        "on close, code is " + str(value.code) + ", reason is " + value.reason
    ),
)
ws.on(
    "error",
    lambda err: print("on error, error:" + json.dumps({"code": err.code, "message": err.message})),
)
ws.connect(
    defaultIpAddress,
    lambda err, value: print("connect success" if not err else "connect fail, err:" + repr(err)),
)
