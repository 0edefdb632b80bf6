"""The conformance cases: one module per area, parametrized, each naming its clauses."""
