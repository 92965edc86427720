#!/usr/bin/env bash
# GPU smoke check: the non-TensorFlow tests and the quick benchmarks on an accelerator.
#
# For a machine that has JAX with CUDA (and pytest) but no TensorFlow and no network:
# run from anywhere, no install needed (the repository root goes on sys.path).
#   bash benchmarks/gpu_check.sh            # PYTHON=python3.12 to pick the interpreter
# Finishes in under 5 minutes: each stage has its own time limit. Benchmark JSON goes to
# $OUT if that is set (the device runner's output folder), else benchmarks/results/.
# Exits non-zero if either stage fails; both always run.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
export XLA_PYTHON_CLIENT_PREALLOCATE=false   # don't grab 75% of GPU memory per process

devices() {
    "$PYTHON" -c 'import jax; print("jax", jax.__version__, "backend:", jax.default_backend(), "devices:", jax.devices())'
}

echo "== $(date -u +%FT%TZ) $("$PYTHON" --version)"
devices || exit 1
if ! "$PYTHON" -c 'import jax, sys; sys.exit(jax.default_backend() == "cpu")'; then
    echo "warning: JAX sees no accelerator; this run measures the CPU" >&2
fi

status=0
echo "== tests (not tf)"
parallel=()
if "$PYTHON" -c 'import xdist' 2>/dev/null; then parallel=(-n 4); fi
XLA_FLAGS="${XLA_FLAGS:-} --xla_gpu_deterministic_ops=true" timeout 180 "$PYTHON" -m pytest -q -x -m "not tf" -p no:cacheprovider -p no:benchmark "${parallel[@]}" tests || status=$?

echo "== benchmarks (--quick)"
json="${OUT:-benchmarks/results}/gpu-quick-$(date -u +%Y%m%dT%H%M%SZ).json"
timeout 100 "$PYTHON" -m benchmarks.run --quick --json "$json" || status=$?

# ---- begin: distribute (issue #18) -------------------------------------------------
# tf.distribute on the accelerator: the strategy tests (virtual CPU devices, as in CI)
# and the W3 MirroredStrategy step over this machine's devices vs jax.sharding.
echo "== distribute: tests/distribute (not tf)"
timeout 240 "$PYTHON" -m pytest -q -x -m "not tf" -p no:cacheprovider -p no:benchmark tests/distribute || status=$?
echo "== distribute: benchmarks.distribute_bench on $("$PYTHON" -c 'import jax; print(jax.device_count())') device(s)"
timeout 240 "$PYTHON" -m benchmarks.distribute_bench --devices "$("$PYTHON" -c 'import jax; print(jax.device_count())')" --runs 5 --steps 50 || status=$?
# ---- end: distribute ----------------------------------------------------------------

echo "== devices after the run"
devices
echo "== gpu_check exit status: $status"
exit "$status"
