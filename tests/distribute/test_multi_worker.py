"""MultiWorkerMirroredStrategy over `jax.distributed`: two processes on localhost (2
virtual CPU devices each, CPU collectives over gloo) train as 4 replicas and end with the
weights of the single-device loop on the full batch."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from typing import Any

import numpy as np

from tests.distribute._common import COLLECTIVE_FLAGS, ROOT, run_script


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return int(s.getsockname()[1])


def _worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count=2 {COLLECTIVE_FLAGS}"
    env["PYTHONPATH"] = str(ROOT)
    env["JAX_PLATFORMS"] = "cpu"
    env.pop("TF_CONFIG", None)
    return env


def test_two_workers_match_single_process() -> None:
    port = _free_port()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.distribute.mw_checks", str(port), str(i)],
            cwd=str(ROOT),
            env=_worker_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    results: list[dict[str, Any]] = []
    try:
        for p in procs:
            stdout, stderr = p.communicate(timeout=240)
            lines = [x for x in stdout.splitlines() if x.startswith("RESULT ")]
            assert p.returncode == 0 and lines, stderr[-4000:]
            results.append(json.loads(lines[-1][len("RESULT ") :]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    reference = run_script(
        "import json, tfcompat as tf; from tests.distribute import _common as c; "
        "print('RESULT ' + json.dumps([w.tolist() for w in c.single_device(tf)]))",
        devices=1,
    )
    want = json.loads([x for x in reference.stdout.splitlines() if x.startswith("RESULT ")][-1][7:])
    for i, r in enumerate(results):
        assert r["replicas"] == 4
        assert r["multi_worker"] is True
        assert r["worker_devices"] == [
            f"/job:worker/replica:0/task:{i}/device:CPU:{d}" for d in range(2)
        ]
        assert r["var_device"] == f"/job:worker/replica:0/task:{i}/device:CPU:0"
        assert r["local_ids"] == [2 * i, 2 * i + 1]  # this worker's replicas
        assert r["per_replica_repr"] == (
            f"PerReplica:{{\n  0: <tf.Tensor: shape=(), dtype=int32, numpy={2 * i}>,\n"
            f"  1: <tf.Tensor: shape=(), dtype=int32, numpy={2 * i + 1}>\n}}"
        )
        # worker i reads shard i (i, i + 2, ...): its replicas take its first two elements
        assert r["from_fn_local"] == [[i], [i + 2]]
        assert r["from_fn_sum"] == [6]
        for got, ref in zip(r["weights"], want, strict=True):
            np.testing.assert_allclose(np.array(got), np.array(ref), rtol=1e-5, atol=1e-6)
    assert results[0]["losses"] == results[1]["losses"]
