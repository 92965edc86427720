"""Side-by-side benchmarks of tfcompat, hand-written JAX and TensorFlow.

Run ``python -m benchmarks.run --help``; docs/benchmarks.md explains the workloads,
systems and how to read the table.
"""
