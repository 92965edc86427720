"""Op records for `tf.linalg`.

Inputs are made well conditioned inside the record (`a + 3 I`, `a a^T + n I`); the
records of factorizations whose vectors are defined up to sign compare gauge-invariant
quantities (products, absolute values) or differentiate only the invariant outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from op_harness import COMPLEX, FLOAT, Arg, Bad, OpRecord

ALL = (*FLOAT, *COMPLEX)
_TOL = {"float32": (1e-4, 1e-5), "complex64": (1e-4, 1e-5)}
_GTOL = {
    "float32": (2e-3, 2e-4),
    "complex64": (2e-3, 2e-4),
    "float64": (1e-8, 1e-10),
    "complex128": (1e-8, 1e-10),
}


def rec(name: str, fn: Any, *args: Arg, **kw: Any) -> OpRecord:
    kw.setdefault("tol", _TOL)
    kw.setdefault("grad_tol", _GTOL)
    return OpRecord(name, fn, tuple(args), **kw)


def wellcond(tf: Any, a: Any) -> Any:
    n = a.shape[-1]
    return a + tf.cast(3.0 * tf.eye(n), a.dtype)


def spd(tf: Any, a: Any) -> Any:
    n = a.shape[-1]
    return tf.linalg.matmul(a, a, adjoint_b=True) + tf.cast(float(n) * tf.eye(n), a.dtype)


def _abs_all(outs: list[np.ndarray]) -> list[np.ndarray]:
    return [np.abs(o) for o in outs]


LINALG: list[OpRecord] = [
    rec(
        "linalg.inv",
        lambda tf, a: tf.linalg.inv(wellcond(tf, a)),
        Arg((3, 3)),
        dtypes=ALL,
        bad=(Bad("not square", lambda tf: tf.linalg.inv(tf.ones([2, 3]))),),
    ),
    rec(
        "linalg.inv",
        lambda tf, a: tf.linalg.inv(wellcond(tf, a), adjoint=True),
        Arg((2, 3, 3)),
        variant="batched_adjoint",
        dtypes=ALL,
    ),
    rec("linalg.det", lambda tf, a: tf.linalg.det(wellcond(tf, a)), Arg((2, 3, 3))),
    # TF's complex det gradient g * det * inv(a)^H is not conjugated: no finite differences.
    rec(
        "linalg.det",
        lambda tf, a: tf.linalg.det(wellcond(tf, a)),
        Arg((3, 3)),
        dtypes=COMPLEX,
        variant="complex",
        fd=False,
    ),
    rec("linalg.slogdet", lambda tf, a: tf.linalg.slogdet(a), Arg((3, 3)), dtypes=FLOAT),
    rec(
        "linalg.slogdet",
        lambda tf, a: tf.linalg.slogdet(wellcond(tf, a)),
        Arg((3, 3)),
        dtypes=COMPLEX,
        variant="complex",
        fd=False,
    ),
    rec("linalg.logdet", lambda tf, a: tf.linalg.logdet(spd(tf, a)), Arg((3, 3)), dtypes=ALL),
    rec("linalg.cholesky", lambda tf, a: tf.linalg.cholesky(spd(tf, a)), Arg((3, 3)), dtypes=ALL),
    rec(
        "linalg.solve",
        lambda tf, a, b: tf.linalg.solve(wellcond(tf, a), b),
        Arg((3, 3)),
        Arg((3, 2)),
        dtypes=ALL,
        bad=(
            Bad(
                "rows mismatch",
                lambda tf: tf.linalg.solve(tf.eye(3), tf.ones([2, 1])),
                message=False,
            ),
        ),
    ),
    rec(
        "linalg.solve",
        lambda tf, a, b: tf.linalg.solve(wellcond(tf, a), b, adjoint=True),
        Arg((2, 3, 3)),
        Arg((2, 3, 1)),
        variant="batched_adjoint",
    ),
    rec(
        "linalg.triangular_solve",
        lambda tf, a, b: tf.linalg.triangular_solve(wellcond(tf, a), b),
        Arg((3, 3)),
        Arg((3, 2)),
        dtypes=ALL,
    ),
    rec(
        "linalg.triangular_solve",
        lambda tf, a, b: tf.linalg.triangular_solve(wellcond(tf, a), b, lower=False, adjoint=True),
        Arg((3, 3)),
        Arg((3, 2)),
        variant="upper_adjoint",
        dtypes=ALL,
    ),
    rec("linalg.qr", lambda tf, a: tf.linalg.qr(a), Arg((4, 3)), dtypes=ALL),
    rec(
        "linalg.qr",
        lambda tf, a: tf.linalg.qr(a, full_matrices=True),
        Arg((3, 3)),
        variant="full_square",
    ),
    rec("linalg.svd", lambda tf, a: tf.linalg.svd(a, compute_uv=False), Arg((4, 3)), dtypes=ALL),
    rec(
        "linalg.svd",
        lambda tf, a: (
            lambda s, u, v: (
                s,
                tf.linalg.matmul(u * tf.cast(s, u.dtype)[..., None, :], v, adjoint_b=True),
            )
        )(*tf.linalg.svd(a)),
        Arg((2, 4, 3)),
        variant="reconstruct",
        dtypes=ALL,
    ),
    rec(
        "linalg.svd",
        lambda tf, a: tf.linalg.svd(a, full_matrices=True),
        Arg((3, 2)),
        variant="vectors_abs",
        canon=_abs_all,
        grad_vs_tf=False,
        fd=False,
    ),
    rec(
        "linalg.eigh",
        lambda tf, a: tf.linalg.eigh(a + tf.linalg.adjoint(a))[0],
        Arg((3, 3)),
        dtypes=ALL,
    ),
    rec(
        "linalg.eigh",
        lambda tf, a: tf.linalg.eigh(a + tf.linalg.adjoint(a)),
        Arg((3, 3)),
        variant="vectors_abs",
        canon=_abs_all,
        grad_vs_tf=False,
        fd=False,
    ),
    rec(
        "linalg.eigh",
        lambda tf, a: (lambda e, v: tf.linalg.matmul(v * e[..., None, :], v, adjoint_b=True))(
            *tf.linalg.eigh(a + tf.linalg.matrix_transpose(a))
        ),
        Arg((3, 3)),
        variant="reconstruct",
    ),
    rec(
        "linalg.eigvalsh",
        lambda tf, a: tf.linalg.eigvalsh(a + tf.linalg.matrix_transpose(a)),
        Arg((2, 3, 3)),
    ),
    rec(
        "linalg.cross",
        lambda tf, a, b: tf.linalg.cross(a, b),
        Arg((2, 3)),
        Arg((2, 3)),
        dtypes=(*FLOAT, "int32"),
        bad=(Bad("not 3", lambda tf: tf.linalg.cross(tf.ones([2]), tf.ones([2]))),),
    ),
    rec(
        "linalg.matrix_transpose",
        lambda tf, a: tf.linalg.matrix_transpose(a),
        Arg((2, 3, 4)),
        dtypes=ALL,
    ),
    rec(
        "linalg.matrix_transpose",
        lambda tf, a: tf.linalg.matrix_transpose(a, conjugate=True),
        Arg((3, 2)),
        dtypes=COMPLEX,
        variant="conjugate",
    ),
    rec("linalg.adjoint", lambda tf, a: tf.linalg.adjoint(a), Arg((3, 2)), dtypes=ALL),
    rec(
        "linalg.matvec",
        lambda tf, a, b: tf.linalg.matvec(a, b),
        Arg((2, 3, 4)),
        Arg((2, 4)),
        dtypes=ALL,
    ),
    rec(
        "linalg.matvec",
        lambda tf, a, b: tf.linalg.matvec(a, b, transpose_a=True),
        Arg((3, 4)),
        Arg((3,)),
        variant="transpose",
    ),
    rec("linalg.trace", lambda tf, a: tf.linalg.trace(a), Arg((2, 3, 3)), dtypes=(*ALL, "int32")),
    rec("linalg.diag", lambda tf, d: tf.linalg.diag(d), Arg((2, 3)), dtypes=(*ALL, "int32")),
    rec(
        "linalg.diag",
        lambda tf, d: tf.linalg.diag(d, k=1, padding_value=9),
        Arg((3,)),
        variant="k1_padding",
    ),
    rec(
        "linalg.diag",
        lambda tf, d: tf.linalg.diag(d, k=-1, num_rows=4, num_cols=3),
        Arg((3,)),
        variant="k_neg_rows_cols",
    ),
    rec(
        "linalg.diag_part",
        lambda tf, a: tf.linalg.diag_part(a),
        Arg((2, 3, 4)),
        dtypes=(*ALL, "int32"),
    ),
    rec("linalg.diag_part", lambda tf, a: tf.linalg.diag_part(a, k=1), Arg((3, 3)), variant="k1"),
    rec(
        "linalg.band_part",
        lambda tf, a: tf.linalg.band_part(a, 1, 0),
        Arg((4, 4)),
        dtypes=(*ALL, "int32"),
    ),
    rec(
        "linalg.band_part",
        lambda tf, a: tf.linalg.band_part(a, -1, 1),
        Arg((2, 3, 4)),
        variant="lower_triangle_plus",
    ),
    rec("linalg.norm", lambda tf, x: tf.linalg.norm(x), Arg((3, 4)), dtypes=ALL),
    rec(
        "linalg.norm",
        lambda tf, x: tf.linalg.norm(x, ord=1, axis=1, keepdims=True),
        Arg((3, 4)),
        variant="ord1_axis",
    ),
    rec(
        "linalg.norm",
        lambda tf, x: tf.linalg.norm(x, ord=np.inf, axis=0),
        Arg((3, 4)),
        variant="inf_axis0",
    ),
    rec(
        "linalg.norm",
        lambda tf, x: tf.linalg.norm(x, ord=3, axis=-1),
        Arg((3, 4), lo=0.2, hi=2),
        variant="p3",
    ),
    rec(
        "linalg.norm",
        lambda tf, x: tf.linalg.norm(x, ord="fro", axis=[0, 1]),
        Arg((3, 4)),
        variant="fro_matrix",
    ),
    rec(
        "linalg.norm",
        lambda tf, x: tf.linalg.norm(x, ord=1, axis=(-2, -1)),
        Arg((2, 3, 4)),
        variant="ord1_matrix",
    ),
    rec(
        "linalg.norm",
        lambda tf, x: tf.linalg.norm(x, ord=2, axis=(0, 1)),
        Arg((3, 4)),
        variant="spectral",
        bad=(
            Bad("bad ord", lambda tf: tf.linalg.norm(tf.ones([2, 2]), ord=3, axis=[0, 1])),
            Bad("bad axis", lambda tf: tf.linalg.norm(tf.ones([2]), axis=[0, 0])),
        ),
    ),
    rec("norm", lambda tf, x: tf.norm(x, axis=1), Arg((3, 4)), variant="toplevel"),
    rec("linalg.pinv", lambda tf, a: tf.linalg.pinv(a), Arg((4, 3))),
    rec(
        "linalg.lstsq",
        lambda tf, a, b: tf.linalg.lstsq(a, b),
        Arg((5, 3)),
        Arg((5, 2)),
        tol={"float32": (1e-3, 1e-4)},
        grad_tol={"float32": (1e-2, 1e-3)},
    ),
    rec(
        "linalg.lstsq",
        lambda tf, a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.5),
        Arg((2, 4)),
        Arg((2, 1)),
        variant="underdetermined_l2",
        tol={"float32": (1e-3, 1e-4)},
        grad_tol={"float32": (1e-2, 1e-3)},
    ),
]
