"""SD9's reading of a wire log: masked, a fresh key per frame, never the all-zero key."""

from __future__ import annotations

from typing import Any

from conformance.helpers import masking


def _log(*frames: tuple[str, str | None]) -> dict[str, Any]:
    return {
        "frames": [
            {"seq": i, "dir": d, "masked": key is not None, "mask_key": key}
            for i, (d, key) in enumerate(frames)
        ]
    }


def test_fresh_keys_pass_and_server_frames_do_not_count() -> None:
    seen = masking(_log(("in", "1a2b3c4d"), ("out", None), ("in", "5e6f7081")))
    assert seen.ok and seen.as_json()["problems"] == {} and seen.frames == 2


def test_each_way_of_breaking_it_is_named() -> None:
    assert masking(_log(("in", None))).as_json()["problems"] == {"unmasked": [0]}
    assert masking(_log(("in", "00000000"))).as_json()["problems"] == {"all_zero_key": [0]}
    repeated = masking(_log(("in", "deadbeef"), ("in", "01020304"), ("in", "deadbeef")))
    assert not repeated.ok and repeated.as_json()["problems"] == {
        "repeated_keys": {"deadbeef": [0, 2]}
    }
