"""What a driver can do, by the protocol version it speaks and what its ``hello`` declares.

A case that needs a feature the driver lacks is ``UNIMPLEMENTED`` with a line naming the
feature and the section of docs/driver-protocol.md to upgrade with: never the
implementation's ``FAILED``. One table, read by the suite (``Session.call`` refuses to send
a subscriber behaviour the driver lacks; the plugin asks before a case runs) and written down
in docs/driver-protocol.md ("Versions and features").
"""

from __future__ import annotations

from dataclasses import dataclass

DOC = "docs/driver-protocol.md"


@dataclass(frozen=True)
class Feature:
    """A driver feature: the protocol version that brought it and where it is documented."""

    name: str
    since: int
    section: str

    def missing(self, protocol: int) -> str:
        """The one line an UNIMPLEMENTED verdict shows when a driver lacks this feature."""
        return (
            f"the driver lacks {self.name} (driver protocol {self.since}; it speaks "
            f'{protocol}): upgrade it as {DOC}, "{self.section}", describes'
        )


# Subscriber behaviours (docs/driver-protocol.md, "Argument encoding", Subscribers).
BEHAVIOURS: dict[str, Feature] = {
    name: Feature(f"the '{name}' subscriber behaviour", since, "Argument encoding")
    for name, since in (
        ("record", 1),
        ("raise", 1),
        ("subscribe", 1),
        ("off_self", 1),
        ("close", 1),
        ("echo", 2),
    )
}


def behaviour_name(behaviour: str) -> str:
    """``subscribe:message:late`` → ``subscribe``: the name a driver declares."""
    return behaviour.split(":", 1)[0]


def supported_behaviours(protocol: int, declared: tuple[str, ...] | None) -> frozenset[str]:
    """What the suite may send: the declared list (protocol 3's ``hello.behaviours``), else
    every behaviour the driver's protocol version had."""
    if declared is not None:
        return frozenset(declared)
    return frozenset(name for name, feature in BEHAVIOURS.items() if feature.since <= protocol)


def lacking(behaviour: str, protocol: int, declared: tuple[str, ...] | None) -> str | None:
    """None when the driver offers ``behaviour``; else the UNIMPLEMENTED line."""
    name = behaviour_name(behaviour)
    if name in supported_behaviours(protocol, declared):
        return None
    feature = BEHAVIOURS.get(name)
    if feature is None:  # the suite asked for something no protocol defines: its own bug
        raise ValueError(f"no driver protocol defines the subscriber behaviour {name!r}")
    if declared is not None and feature.since <= protocol:
        return f"the driver does not declare {feature.name} in hello's 'behaviours'"
    return feature.missing(protocol)
