"""The benchmarks still run (tiny counts; timings are never asserted)."""

from __future__ import annotations

from bench import impl_echo, mockserver_echo


def test_impl_bench_runs() -> None:
    ratios = impl_echo.main(small=20, large=2, rounds=1)
    assert set(ratios) == {"small", "large"} and all(r > 0 for r in ratios.values())


def test_mockserver_bench_runs() -> None:
    ratios = mockserver_echo.main(small=20, large=2, rounds=1)
    assert set(ratios) == {"small", "large"} and all(r > 0 for r in ratios.values())


def test_soak_runs() -> None:
    """bench/soak.py with tiny counts: its server process, phases and figures (never judged)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "bench" / "soak.py"
    proc = subprocess.run(
        [
            sys.executable,
            str(script),
            *("--seconds", "1", "--connections", "20", "--long", "2", "--rate", "20"),
            *("--stalled", "2", "--hold", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for line in (
        "phase 1:",
        "phase 2: 20 connections",
        "phase 3:",
        "phase 4: 2 clients reading nothing on 64 MiB frames for 1 s",
        "server RSS:",
        "probe:",
    ):
        assert line in proc.stdout, proc.stdout
