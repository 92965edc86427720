"""tfcompat implementation of `tf.autograph`: Python control flow on tensors in
`tf.function`.

`tf.function` converts the function it decorates (and the user functions that function
calls) so that `if`, `while`, `for`, `break`, `continue`, `return`, `and`, `or`, `not` and
conditional expressions whose condition is a tensor become `tf.cond` / `tf.while_loop`;
with Python values they keep Python's meaning. See docs/autograph.md.
"""

from __future__ import annotations

from typing import Any

from tfcompat.autograph import experimental
from tfcompat.autograph._conversion import ConversionError, convert, to_source

__all__ = ["experimental", "to_code", "to_graph"]


def to_graph(
    entity: Any, recursive: bool = True, experimental_optional_features: Any = None
) -> Any:
    """tfcompat implementation of `tf.autograph.to_graph`: the converted function.

    The result still needs a `tf.function` trace for its tensor conditions to be staged.
    """
    try:
        return convert(entity)
    except ConversionError as e:
        raise ValueError(f"converting {entity}: {e}") from None


def to_code(entity: Any, recursive: bool = True, experimental_optional_features: Any = None) -> str:
    """tfcompat implementation of `tf.autograph.to_code`: the converted source.

    Differences from TensorFlow: the text is tfcompat's conversion (calls into
    `ag__.if_stmt`, `ag__.while_stmt`, `ag__.for_stmt`...), not TF's generated code.
    """
    target = getattr(entity, "python_function", entity)
    try:
        return to_source(target)
    except ConversionError as e:
        raise ValueError(f"converting {entity}: {e}") from None
