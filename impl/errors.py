"""BusinessError and the error codes of the later OpenHarmony docs (contract ER1, ER2)."""

from __future__ import annotations

PARAMETER_ERROR = 401
URL_ERROR = 2302001
CERT_FILE_MISSING = 2302002
ALREADY_CONNECTED = 2302003
OTHER_ERROR = 2302999

MESSAGES: dict[int, str] = {
    PARAMETER_ERROR: "Parameter error",
    URL_ERROR: "Websocket url error",
    CERT_FILE_MISSING: "Websocket certificate file does not exist",
    ALREADY_CONNECTED: "Websocket connection already exists",
    OTHER_ERROR: "Websocket other unknown error",
}


class BusinessError(Exception):
    """An API error: ``code`` and ``message`` as documented; ``detail`` says what happened.

    ``message`` stays the documented text so callers can compare it; the specifics (which
    argument, which HTTP status) go to ``detail`` and ``str(err)``.
    """

    def __init__(self, code: int, detail: str = "") -> None:
        self.code = code
        self.message = MESSAGES.get(code, "Websocket other unknown error")
        self.detail = detail
        super().__init__(f"{self.message}: {detail}" if detail else self.message)

    def __repr__(self) -> str:
        return f"BusinessError(code={self.code}, message={self.message!r}, detail={self.detail!r})"


def parameter_error(detail: str) -> BusinessError:
    return BusinessError(PARAMETER_ERROR, detail)
