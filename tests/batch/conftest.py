"""The Spark batch tests' fixtures (``spark``, ``batch_world``) live in :mod:`tests.batch.fixtures` and are
imported by tests/conftest.py, so the end-to-end test (tests/e2e/test_batch_e2e.py) shares the same single
batch run. Every test module here is in the xdist group ``spark`` (one worker starts Spark once)."""
