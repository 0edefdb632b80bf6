"""Run the whole suite N times against impl and compare the verdicts (a flake hunt).

    python tests/conformance/repeat_runs.py 20

Not collected by pytest (no ``test_`` prefix): it takes minutes, CI runs the suite once.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.conformance.suite_runner import run_suite, verdicts


def main(count: int) -> int:
    first: dict[str, str] | None = None
    differing = 0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(1, count + 1):
            started = time.monotonic()
            _, rows = run_suite(Path(tmp) / str(run), "-n", "2")
            current = verdicts(rows)
            first = first or current
            diff = {k: (first.get(k), v) for k, v in current.items() if first.get(k) != v}
            differing += bool(diff)
            print(
                f"run {run}: {len(current)} cases, {time.monotonic() - started:.1f} s, "
                f"{'identical' if not diff else f'DIFFERENT: {diff}'}",
                flush=True,
            )
    print(f"{count} runs, {differing} differing from the first")
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
