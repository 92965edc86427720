"""String tensors and `tf.strings` against TF 2.21.

Each case is a snippet `fn(tf)` run on TensorFlow and on tfcompat: values, dtypes,
shapes, `repr`/`str` and exception classes (and messages, unless the case says not).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tfcompat

Case = Callable[[Any], Any]
S = ["hello world", "Foo  bar", "", "héllo"]
M = [["ab", "c"], ["d", "é"]]

CASES: dict[str, tuple[Case, bool]] = {
    # construction, printing, protocols
    "constant_scalar": (lambda tf: tf.constant("text"), True),
    "constant_bytes": (lambda tf: tf.constant(b"\xff\x00a"), True),
    "constant_nested": (lambda tf: tf.constant(M), True),
    "constant_numpy_str": (lambda tf: tf.constant(np.array(["a", "bc"])), True),
    "constant_numpy_bytes": (lambda tf: tf.constant(np.array([b"a", b"bc"])), True),
    "convert_to_tensor": (lambda tf: tf.convert_to_tensor(["x", "y"]), True),
    "explicit_dtype": (lambda tf: tf.constant(["x"], dtype=tf.string), True),
    "str_of_tensor": (lambda tf: str(tf.constant(M)), True),
    "numpy_value": (lambda tf: tf.constant(M).numpy(), True),
    "scalar_numpy": (lambda tf: tf.constant("a").numpy(), True),
    "dtype_shape": (lambda tf: (tf.constant(M).dtype, tf.constant(M).shape), True),
    "eq_python": (lambda tf: tf.constant(M) == "ab", True),
    "ne_bytes": (lambda tf: tf.constant(M) != b"c", True),
    "eq_numpy": (lambda tf: tf.constant(["a", "b"]) == np.array(["a", "c"]), True),
    "eq_tensor": (lambda tf: tf.equal(tf.constant(["a", "b"]), tf.constant(["a", "c"])), True),
    "add_strings": (lambda tf: tf.constant(["a", "b"]) + "z", True),
    "add_int_error": (lambda tf: tf.constant(["a"]) + 1, True),
    "mixed_error": (lambda tf: tf.constant(["a", 1]), False),
    # array ops on strings
    "index": (lambda tf: tf.constant(M)[0], True),
    "index_scalar": (lambda tf: tf.constant(M)[1, -1], True),
    "slice_step": (lambda tf: tf.constant(S)[::-2], True),
    "reshape": (lambda tf: tf.reshape(tf.constant(M), [4]), True),
    "reshape_error": (lambda tf: tf.reshape(tf.constant(M), [3]), True),
    "stack": (lambda tf: tf.stack([tf.constant(S), tf.constant(S)], axis=1), True),
    "concat": (lambda tf: tf.concat([tf.constant(M), tf.constant(M)], 1), True),
    "gather": (lambda tf: tf.gather(tf.constant(S), [3, 0, 0]), True),
    "gather_nd": (lambda tf: tf.gather_nd(tf.constant(M), [[1, 0], [0, 1]]), True),
    "transpose": (lambda tf: tf.transpose(tf.constant(M)), True),
    "expand_squeeze": (lambda tf: tf.squeeze(tf.expand_dims(tf.constant(S), 0)), True),
    "tile": (lambda tf: tf.tile(tf.constant(M), [2, 1]), True),
    "where": (
        lambda tf: tf.where([True, False], tf.constant(["a", "b"]), tf.constant(["c", "d"])),
        True,
    ),
    "unique": (lambda tf: tf.unique(tf.constant(["b", "a", "b", ""])), True),
    "unstack": (lambda tf: tf.unstack(tf.constant(M)), True),
    "boolean_mask": (lambda tf: tf.boolean_mask(tf.constant(S), [True, False, True, False]), True),
    "fill": (lambda tf: tf.fill([2, 2], "x"), True),
    "zeros_like": (lambda tf: tf.zeros_like(tf.constant(M)), True),
    "identity": (lambda tf: tf.identity(tf.constant(S)), True),
    "reverse": (lambda tf: tf.reverse(tf.constant(M), [1]), True),
    "shape_size": (lambda tf: (tf.shape(tf.constant(M)), tf.size(tf.constant(M))), True),
    # tf.strings
    "join": (lambda tf: tf.strings.join(["a", ["b", "c"]], separator="-"), True),
    "join_shapes_error": (lambda tf: tf.strings.join([["a", "x", "y"], ["b", "c"]]), True),
    "reduce_join_all": (lambda tf: tf.strings.reduce_join(M), True),
    "reduce_join_axis": (lambda tf: tf.strings.reduce_join(M, axis=1, separator=","), True),
    "reduce_join_neg_axis": (lambda tf: tf.strings.reduce_join(M, axis=-2), True),
    "reduce_join_keepdims": (lambda tf: tf.strings.reduce_join(M, axis=0, keepdims=True), True),
    "reduce_join_bad_axis": (lambda tf: tf.strings.reduce_join(M, axis=2), True),
    "regex_replace": (lambda tf: tf.strings.regex_replace(S, r"o+", "0"), True),
    "regex_replace_first": (
        lambda tf: tf.strings.regex_replace(S, "[lo]", "_", replace_global=False),
        True,
    ),
    "regex_replace_groups": (lambda tf: tf.strings.regex_replace("abc", "(b)", r"<\1\0\\>"), True),
    "regex_replace_missing_group": (lambda tf: tf.strings.regex_replace("abc", "(b)", r"\2"), True),
    "regex_replace_utf8_dot": (lambda tf: tf.strings.regex_replace("héllo", "h.l", "X"), True),
    "regex_bad_pattern": (lambda tf: tf.strings.regex_full_match("abc", "a("), True),
    "regex_lookahead": (lambda tf: tf.strings.regex_replace("abc", "(?=a)", "x"), True),
    "regex_full_match": (lambda tf: tf.strings.regex_full_match(S, r"\w+ \w+"), True),
    "length": (lambda tf: tf.strings.length(S), True),
    "length_utf8": (lambda tf: tf.strings.length(S, unit="UTF8_CHAR"), True),
    "length_bad_unit": (lambda tf: tf.strings.length(S, unit="X"), True),
    "length_int_error": (lambda tf: tf.strings.length(tf.constant(1)), True),
    "lower_ascii": (lambda tf: tf.strings.lower(["ÀBC", "XyZ"]), True),
    "lower_utf8": (lambda tf: tf.strings.lower(["ÀBC", "XyZ"], encoding="utf-8"), True),
    "upper": (lambda tf: tf.strings.upper(S), True),
    "strip": (lambda tf: tf.strings.strip([" a b \t\n", "x", "  "]), True),
    "substr": (lambda tf: tf.strings.substr(S, 1, 3), True),
    "substr_vectors": (lambda tf: tf.strings.substr(["hello", "abc"], [-2, 1], [10, 1]), True),
    "substr_utf8": (lambda tf: tf.strings.substr("héllo", 1, 2, unit="UTF8_CHAR"), True),
    "substr_out_of_range": (lambda tf: tf.strings.substr("hello", 6, 2), True),
    "substr_shape_error": (lambda tf: tf.strings.substr(["a", "b"], [0, 1], 1), True),
    "to_number": (lambda tf: tf.strings.to_number([" 1.5 ", "-2e3", "inf", "0x10"]), True),
    "to_number_int64": (lambda tf: tf.strings.to_number(["+7", " 8"], tf.int64), True),
    "to_number_float64": (lambda tf: tf.strings.to_number(["0.1"], tf.float64), True),
    "to_number_error": (lambda tf: tf.strings.to_number("abc"), True),
    "to_number_int_error": (lambda tf: tf.strings.to_number(["1.5"], tf.int32), True),
    "to_number_underscore": (lambda tf: tf.strings.to_number("1_0"), True),
    "as_string_float": (lambda tf: tf.strings.as_string([3.14159, 1e20, -0.5]), True),
    "as_string_shortest": (
        lambda tf: tf.strings.as_string(tf.constant([3.14159, 1e20], tf.float64), shortest=True),
        True,
    ),
    "as_string_int_width": (lambda tf: tf.strings.as_string([1, -2], width=4, fill="0"), True),
    "as_string_bool": (lambda tf: tf.strings.as_string([True, False]), True),
    "as_string_complex": (lambda tf: tf.strings.as_string([1 + 2j]), True),
    "as_string_scientific": (
        lambda tf: tf.strings.as_string([1.5], precision=2, scientific=True),
        True,
    ),
    "format": (
        lambda tf: tf.strings.format("x={} y={}", [tf.constant([1, 2, 3, 4, 5]), 2.5]),
        True,
    ),
    "format_string": (lambda tf: tf.strings.format("x={}", tf.constant("s")), True),
    "format_count_error": (lambda tf: tf.strings.format("x={} {}", [1]), True),
    "split_whitespace": (lambda tf: tf.strings.split("a  b c"), True),
    "split_sep": (lambda tf: tf.strings.split("a  b c", " "), True),
    "split_maxsplit": (lambda tf: tf.strings.split("a b c", maxsplit=1), True),
    "split_path_index": (lambda tf: tf.strings.split("data/cats/1.png", "/")[-2], True),
    "bytes_split": (lambda tf: tf.strings.bytes_split("hé"), True),
    "unicode_decode": (lambda tf: tf.strings.unicode_decode("héllo", "UTF-8"), True),
    "unicode_decode_replace": (lambda tf: tf.strings.unicode_decode(b"h\xffa", "UTF-8"), True),
    "unicode_decode_strict": (
        lambda tf: tf.strings.unicode_decode(b"h\xffa", "UTF-8", errors="strict"),
        True,
    ),
    "unicode_encode": (lambda tf: tf.strings.unicode_encode([104, 233], "UTF-8"), True),
    "unicode_encode_2d": (
        lambda tf: tf.strings.unicode_encode([[104, 105], [72, 73]], "UTF-8"),
        True,
    ),
    "unicode_split": (lambda tf: tf.strings.unicode_split("hé", "UTF-8"), True),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_tensorflow(name: str, run_both: Any) -> None:
    fn, message = CASES[name]
    run_both(fn, message=message)


NAMES = list(tfcompat.strings.__all__)


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_tf(name: str, real_tf: Any) -> None:
    def strip(sig: inspect.Signature) -> str:
        params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
        return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))

    ours = inspect.signature(getattr(tfcompat.strings, name))
    theirs = inspect.signature(getattr(real_tf.strings, name))
    assert strip(ours) == strip(theirs)


def test_host_ops_keep_strings_off_the_accelerator() -> None:
    t = tfcompat.constant(M)
    out = tfcompat.reshape(t, [4])
    assert isinstance(out._value, np.ndarray) and out._value.dtype == object
    assert out.numpy().tolist() == [b"ab", b"c", b"d", "é".encode()]


def test_split_of_a_vector_needs_ragged() -> None:
    if hasattr(tfcompat, "RaggedTensor"):
        r = tfcompat.strings.split(["a b", "c"])
        assert r.to_list() == [[b"a", b"b"], [b"c"]]
    else:
        with pytest.raises(NotImplementedError, match="RaggedTensor"):
            tfcompat.strings.split(["a b", "c"])


def _ragged_view(r: Any) -> Any:
    """What a test compares of a (possibly ragged) result: repr, shape, spec, splits dtype."""
    if hasattr(r, "ragged_rank"):
        return [repr(r), str(r.shape), r.ragged_rank, repr(r._type_spec), repr(r.row_splits)]
    return [repr(r), str(r.shape)]


RAGGED_CASES: dict[str, Callable[[Any], Any]] = {
    "split_vector": lambda tf: tf.strings.split(["a b", "c d e", ""]),
    "split_vector_sep_maxsplit": lambda tf: tf.strings.split(["a,b,,c", "d"], ",", maxsplit=1),
    "split_matrix": lambda tf: tf.strings.split([["a b", "c"], ["d", "e f g"]]),
    "split_rank3": lambda tf: tf.strings.split(tf.constant([[["a b"]] * 3] * 2)),
    "split_ragged": lambda tf: tf.strings.split(tf.ragged.constant([["a b", "c"], ["d"]])),
    "split_ragged_rank2": lambda tf: tf.strings.split(
        tf.ragged.constant([[["a b"], ["c"]], [["d e"]]])
    ),
    "split_empty_vector": lambda tf: tf.strings.split(tf.constant([], tf.string)),
    "bytes_split_matrix": lambda tf: tf.strings.bytes_split([["ab", "c"], ["d", "ef"]]),
    "unicode_split_matrix": lambda tf: tf.strings.unicode_split([["hé", "c"], ["", "ef"]], "UTF-8"),
    "unicode_decode_vector": lambda tf: tf.strings.unicode_decode(["hé", b"h\xffa"], "UTF-8"),
    "unicode_decode_matrix": lambda tf: tf.strings.unicode_decode(
        [["ab", "c"], ["d", "ef"]], "UTF-8"
    ),
    "unicode_decode_ragged": lambda tf: tf.strings.unicode_decode(
        tf.ragged.constant([["ab", "c"], ["d"]]), "UTF-8"
    ),
    "unicode_encode_ragged": lambda tf: tf.strings.unicode_encode(
        tf.ragged.constant([[104, 105], [106]]), "UTF-8"
    ),
    "unicode_encode_ragged_rank2": lambda tf: tf.strings.unicode_encode(
        tf.ragged.constant([[[104, 105], [106]], [[107]]]), "UTF-8"
    ),
    "unicode_round_trip_matrix": lambda tf: tf.strings.unicode_encode(
        tf.strings.unicode_decode([["ab", "c"], ["d", "ef"]], "UTF-8"), "UTF-8"
    ),
    "split_bad_dtype": lambda tf: tf.strings.split(tf.constant([[1, 2]])),
    "split_bad_python": lambda tf: tf.strings.split([1, 2]),
}


@pytest.mark.parametrize("name", list(RAGGED_CASES))
def test_ragged_results_match_tensorflow(name: str, run_both: Any) -> None:
    run_both(lambda tf: _ragged_view(RAGGED_CASES[name](tf)))


def test_strings_inside_tf_function(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def label(path: Any, x: Any) -> Any:
            parts = tf.strings.split(path, "/")
            return parts[-2], tf.strings.length(path) + tf.cast(tf.reduce_sum(x), tf.int32)

        return [
            label(tf.constant(p), tf.constant([1.0, 2.0])) for p in ("a/cat/1.png", "b/dog/2.png")
        ]

    run_both(fn)
