"""pytest plugin of the conformance suite (options --iut, --agent, --report-dir)."""
