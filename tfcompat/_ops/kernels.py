"""Kernel availability: the dtype x op pairs TF 2.21 has CPU kernels for.

TF's op definitions accept more dtypes than TF registers kernels for (`MatMul` accepts
uint8, no CPU kernel computes it). The table `_tf_kernels.KERNELS` is generated from TF's
kernel registry by tools/gen_kernel_table.py; a pair it lacks raises what TF raises:
`NotFoundError` ("Could not find device for node") eagerly, `InvalidArgumentError` ("No
OpKernel was registered") inside `tf.function` and for the variable ops.
"""

from __future__ import annotations

from typing import Any

from tfcompat._core import errors
from tfcompat._ops._tf_kernels import KERNELS

__all__ = ["available", "check", "dt_name"]


def dt_name(dtype: Any) -> str:
    """TF's enum name of a dtype (`DT_FLOAT`, `DT_HALF`, `DT_UINT8`)."""
    return "DT_" + str(dtype._tf_type_name).upper()


def available(op: str, dtype: Any, attr: str = "T") -> bool:
    """Whether TF 2.21 has a CPU kernel of `op` for `dtype` as its `attr`."""
    allowed = KERNELS.get(op, {}).get(attr)
    return allowed is None or dt_name(dtype) in allowed


def _listing(op: str, attr: str, device: str) -> str:
    return "".join(f"  device='{device}'; {attr} in [{t}]\n" for t in KERNELS[op][attr])


def check(op: str, dtype: Any, attr: str = "T", *, tracing: bool = False) -> None:
    """Raise TF's error when TF has no CPU kernel of `op` for `dtype` as `attr`."""
    if available(op, dtype, attr):
        return
    dt = dt_name(dtype)
    if tracing or op.endswith("VariableOp"):
        device = "DEFAULT" if op.endswith("VariableOp") else "CPU"
        raise errors.InvalidArgumentError(
            None,
            None,
            f"No OpKernel was registered to support Op '{op}' used by {{{{node {op}}}}} with "
            f"these attrs: [{attr}={dt}]\nRegistered devices: [CPU]\nRegistered kernels:\n"
            f"{_listing(op, attr, device)}\n\t [[{op}]] [Op:{op}] name: ",
        )
    raise errors.NotFoundError(
        None,
        None,
        f"Could not find device for node: {{{{node {op}}}}} = {op}[{attr}={dt}]\n"
        f"All kernels registered for op {op}:\n{_listing(op, attr, 'CPU')} [Op:{op}] name: ",
    )
