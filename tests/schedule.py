"""The order tests run in (the long ones first), and whether this is `make test-full`.

``make test`` runs the tests with pytest-xdist workers, handing out one test at a time
(``--maxschedchunk 1``). Handed out in file order, a test of a minute that comes last keeps one
worker busy while the others sit idle; handed out longest first, the short ones fill in
around the long ones at the end. ``LONG`` names the long tests with their rough cost (seconds
on two idle cores, measured with ``--durations``); ``order()`` sorts them first, longest
first, and leaves every other test where collection put it. A name that no longer matches a
test is reported by tests/test_infrastructure.py, so the list cannot rot silently.

``full_run()``: whether this is ``make test-full`` (``OHOS_TEST_FULL=1``, what CI runs), where
a test whose proof needs minutes at full size makes it at full size (a whole suite run per
broken implementation ...); ``make test`` makes the same kind of proof on a selection.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

FULL_ENV = "OHOS_TEST_FULL"

# node id, or its prefix up to "[" for every parameter -> seconds (rough: the order is what
# counts). A test that makes a shared run (tests/shared_runs.py) weighs it; the tests that
# only read it weigh less, so that they start after it.
_LONG: list[tuple[str, str, float]] = [
    ("conformance/test_shipped_port.py", "test_all_deviations_twice", 60),
    ("conformance/test_shipped_port.py", "test_all_deviations", 30),
    ("impl/test_quiet.py", "test_the_main_job_prints_nothing_on_stderr", 40),
    ("conformance/test_js_port.py", "test_js_port_verdicts_are_the_expected_ones", 40),
    ("conformance/test_selfcheck.py", "test_driver_path_judges_like_in_process", 30),
    ("conformance/test_selfcheck.py", "test_impl_passes_the_whole_suite_over_wss", 25),
    (
        "conformance/test_selfcheck.py",
        "test_a_should_or_info_break_is_graded_at_its_level_and_nowhere_failed[close_settles_early-INFORMATIONAL]",
        25,
    ),
    (
        "conformance/test_api8_only.py",
        "test_an_api8_implementation_is_judged_as_before_everywhere_else",
        20,
    ),
    (
        "conformance/test_threads.py",
        "test_a_thread_based_port_is_judged_alike_in_process_and_through_the_driver",
        6,
    ),
    ("test_device_guide.py", "test_the_guide_runs_end_to_end_with_the_node_stand_in", 18),
    ("report/test_nothing_lost.py", "test_a_selection_adds_to_a_fuller_report", 13),
    ("test_bench.py", "test_soak_runs", 12),
    (
        "conformance/test_api8_only.py",
        "test_an_api8_implementation_is_unimplemented_on_the_later_features",
        10,
    ),
    (
        "conformance/test_negotiation.py",
        "test_an_older_driver_gets_no_failed_from_what_it_lacks",
        3,
    ),
    (
        "report/test_expectations_and_diff.py",
        "test_a_file_listing_every_failure_passes_and_a_new_failure_fails",
        9,
    ),
    ("conformance/iut/test_tcp_transport.py", "test_each_xdist_worker_has_its_own_connection", 8),
    (
        "conformance/test_tcp_verdicts.py",
        "test_verdicts_over_tcp_are_the_stdio_ones[arkts-listen]",
        8,
    ),
    ("conformance/test_tcp_verdicts.py", "test_verdicts_over_tcp_are_the_stdio_ones[arkts-tcp]", 8),
    (
        "conformance/test_unimplemented.py",
        "test_a_module_without_option_classes_is_unimplemented_there",
        8,
    ),
    ("conformance/iut/test_driver_garbage.py", "test_a_flood_of_events_is_capped_and_counted", 7),
    (
        "conformance/iut/test_driver_garbage.py",
        "test_every_kind_of_garbage_still_gives_a_report",
        6,
    ),
    ("conformance/test_tcp_verdicts.py", "test_verdicts_over_tcp_are_the_stdio_ones[js-ws-tcp]", 6),
    (
        "conformance/test_tcp_verdicts.py",
        "test_verdicts_over_tcp_are_the_stdio_ones[js-ws-listen]",
        6,
    ),
    (
        "conformance/test_wire_selection.py",
        "test_the_default_runs_every_other_family_and_the_quick_subset_is_smaller",
        6,
    ),
    (
        "conformance/test_selfcheck.py",
        "test_a_must_break_is_failed_on_its_clause[close_never_completes]",
        6,
    ),
    (
        "conformance/test_selfcheck.py",
        "test_a_must_break_is_failed_on_its_clause[pong_never_awaited]",
        6,
    ),
    (
        "conformance/iut/test_tcp_transport.py",
        "test_nobody_at_the_other_end_is_a_one_line_crash_in_bounded_time",
        6,
    ),
    (
        "report/test_expectations_and_diff.py",
        "test_diff_of_two_real_runs_lists_exactly_the_changed_cases",
        6,
    ),
    (
        "conformance/test_tcp_verdicts.py",
        "test_verdicts_over_tcp_are_the_stdio_ones[impl-listen]",
        5,
    ),
    ("conformance/test_tcp_verdicts.py", "test_verdicts_over_tcp_are_the_stdio_ones[impl-tcp]", 5),
]
LONG: dict[str, float] = {f"tests/{path}::{test}": seconds for path, test, seconds in _LONG}


def full_run() -> bool:
    return os.environ.get(FULL_ENV) == "1"


def whole_or_quick() -> tuple[str, ...]:
    """The cases a whole-suite proof runs: every case in ``make test-full`` (no selection);
    in ``make test``, every API case and the first wire case of each Autobahn group."""
    return () if full_run() else ("-k", "not autobahn or wire_quick")


def weight(nodeid: str) -> float:
    """The test's rough cost in seconds (0 for a short one)."""
    if nodeid in LONG:
        return LONG[nodeid]
    return LONG.get(nodeid.split("[", 1)[0], 0.0)


def order(items: Sequence[pytest.Item]) -> list[pytest.Item]:
    """Longest first (a stable sort: the others keep their collection order)."""
    return sorted(items, key=lambda item: -weight(item.nodeid))
