"""Reference implementation of the OpenHarmony ``@ohos.net.webSocket`` client API."""
