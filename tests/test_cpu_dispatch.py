"""tfcompat runs CPU programs inline (on the calling thread), unless told otherwise.

The setting is JAX's `jax_cpu_enable_async_dispatch`, read when JAX creates its CPU
client, so each case runs in a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import jax
{before}
import tfcompat as tf
print(jax.config.values['jax_cpu_enable_async_dispatch'], float(tf.constant(2.0) * 3.0))
"""


def _probe(before: str = "", **env: str) -> str:
    full_env = {k: v for k, v in os.environ.items() if k != "TFCOMPAT_CPU_ASYNC_DISPATCH"}
    full_env.update(env, JAX_PLATFORMS="cpu")
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(before=before)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=True,
    )
    return out.stdout.split()


@pytest.mark.parametrize(
    ("before", "env", "expected"),
    [
        ("", {}, "False"),  # the default: inline
        ("", {"TFCOMPAT_CPU_ASYNC_DISPATCH": "1"}, "True"),  # opted out: JAX's default
        ("", {"TFCOMPAT_CPU_ASYNC_DISPATCH": "0"}, "False"),
        # JAX already made its CPU client: tfcompat leaves the setting alone.
        ("jax.numpy.ones(2).block_until_ready()", {}, "True"),
    ],
)
def test_cpu_dispatch_setting(before: str, env: dict[str, str], expected: str) -> None:
    assert _probe(before, **env) == [expected, "6.0"]
