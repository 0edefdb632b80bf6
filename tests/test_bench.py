"""The benchmarks still run (tiny counts; timings are never asserted)."""

from __future__ import annotations

from bench import impl_echo, mockserver_echo


def test_impl_bench_runs() -> None:
    ratios = impl_echo.main(small=20, large=2, rounds=1)
    assert set(ratios) == {"small", "large"} and all(r > 0 for r in ratios.values())


def test_mockserver_bench_runs() -> None:
    ratios = mockserver_echo.main(small=20, large=2, rounds=1)
    assert set(ratios) == {"small", "large"} and all(r > 0 for r in ratios.values())
