"""The conformance suite for implementations of ``@ohos.net.webSocket``."""
