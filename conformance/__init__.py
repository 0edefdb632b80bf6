"""The conformance suite for implementations of ``@ohos.net.webSocket``.

PYTEST_DONT_REWRITE: ``python -m conformance`` imports this package before pytest starts,
so pytest must not try to rewrite it (it would only warn).
"""
