"""Benchmarks (not tests): ``python -m bench --scale default|small|branch``; see BENCHMARKS.md."""
