"""Autobahn|Testsuite's fuzzing-server cases (families 1-7, 9, 10) as data, run through the API.

``catalogue`` holds one frozen entry per Autobahn case id (what the mock server does, what
Autobahn expects back, the contract's checks beyond Autobahn's), built by the family modules
from the step builders of ``steps``; ``grading`` turns a connection's wire log into Autobahn's
``behavior`` and ``behaviorClose``. The cases module is ``conformance/cases/test_wire.py``
(docs/wire-cases.md).
"""
