"""The seed walk-through, "automatic differentiation with tf.GradientTape", as a script.

Adapted cell by cell from a public Korean TensorFlow tutorial notebook (the project's seed).
Each cell prints a header ``# In [N]:`` (N is the seed's execution count) and then what
Jupyter shows for it: what the cell prints, then ``repr()`` of a last-line expression,
formatted like IPython's pretty printer. Markdown cells are comments.

Run it on tfcompat (default) or on real TensorFlow to compare::

    python notebooks/autodiff_tape_notebook.py
    TFCOMPAT_NOTEBOOK_BACKEND=tensorflow python notebooks/autodiff_tape_notebook.py

Random values differ from the seed's. With numpy >= 2 a numpy scalar displays as
``np.float32(6.0)`` where the seed (recorded with numpy 1.x) shows ``6.0``.

``notebooks/autodiff_tape_notebook.ipynb`` holds the same cells; it is generated from this
file by ``python notebooks/build_ipynb.py`` (``--check`` verifies it is up to date).
"""

# %% [script-only]
import importlib
import os

BACKEND = os.environ.get("TFCOMPAT_NOTEBOOK_BACKEND", "tfcompat")
if BACKEND not in ("tfcompat", "tensorflow"):
    raise SystemExit(f"TFCOMPAT_NOTEBOOK_BACKEND is {BACKEND!r}; use tfcompat or tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ log off stderr

_WIDTH = 79  # IPython's PlainTextFormatter.max_width


def _pformat(obj: object, indent: int, column: int, trailing: int) -> str:
    """IPython's pretty-printed text of ``obj`` (lists, tuples, dicts; else ``repr``).

    IPython prints a container on one line when it fits in 79 columns (counting the text
    that follows it up to the next line break) and has no multi-line element; otherwise
    one element per line, indented by the nesting depth. A multi-line ``repr`` has its
    continuation lines indented to the current depth. This matches IPython exactly for
    containers of tensors (checked against ``IPython.lib.pretty.pretty`` on random nests);
    it can break lines differently only for a multi-line ``repr`` inside a nested container.
    """
    if type(obj) in (list, tuple, dict):
        assert isinstance(obj, list | tuple | dict)
        opening, closing = {list: "[]", tuple: "()", dict: "{}"}[type(obj)]
        items = list(obj.items()) if isinstance(obj, dict) else [(None, x) for x in obj]
        one_tuple = "," if isinstance(obj, tuple) and len(obj) == 1 else ""

        def fmt(broken: bool) -> str:
            parts = []
            col = column + len(opening)
            for i, (key, value) in enumerate(items):
                prefix = "" if key is None else _pformat(key, indent + 1, col, 0) + ": "
                last = i == len(items) - 1
                after = len(one_tuple + closing) + trailing if last else 1
                parts.append(prefix + _pformat(value, indent + 1, col + len(prefix), after))
                col = indent + 1 if broken else col + len(parts[-1]) + 2
            separator = ",\n" + " " * (indent + 1) if broken else ", "
            return opening + separator.join(parts) + one_tuple + closing

        flat = fmt(broken=False)
        if "\n" not in flat and column + len(flat) + trailing <= _WIDTH:
            return flat
        return fmt(broken=True)
    return repr(obj).replace("\n", "\n" + " " * indent)


def display(obj: object) -> None:
    """Print ``obj`` as Jupyter shows a cell's last expression (nothing for ``None``)."""
    if obj is not None:
        print(_pformat(obj, indent=0, column=0, trailing=0))


def _in(n: int) -> None:
    print(f"# In [{n}]:")


# %% [markdown]
# # 자동 미분 (automatic differentiation)
#
# *A TensorFlow 2 tutorial run unchanged on JAX through tfcompat: the code says
# `import tensorflow as tf`, and `%load_ext tfcompat` in the first cell makes that tfcompat.
# Remove that line to see TensorFlow's own answers; they should be the same, random values
# aside.*

# %% In [1]
_in(1)
tf = importlib.import_module(BACKEND)  # notebook: import tensorflow as tf

tf.random.set_seed(0)

# %% [markdown]
# ## `tf.GradientTape`
#
# - 텐서플로의 자동 미분
#
# - tf.GradientTape는 컨텍스트(context) 안에서 실행된 모든 연산을 테이프(tape)에 "기록".
#
# - 그 다음 텐서플로는 후진 방식 자동 미분(reverse mode differentiation)을 사용해
#   테이프에 "기록된" 연산의 그래디언트를 계산합니다.
#
# (TensorFlow's automatic differentiation: `tf.GradientTape` records every operation run
# inside its context on a tape, then computes gradients of the recorded operations by
# reverse-mode differentiation.)
#
# #### Scalar 를 Scalar로 미분 (scalar by scalar)

# %% In [8]
_in(8)
x = tf.Variable(3.0)

# tape.gradient()를 한 번만 호출 가능
with tf.GradientTape() as tape:
    y = x**2

# %% In [9]
_in(9)
display(y)

# %% In [10]
_in(10)
# dy = 2x * dx
dy_dx = tape.gradient(y, x)
display(dy_dx)

# %% In [11]
_in(11)
display(dy_dx.numpy())

# %% [markdown]
# #### Scalar를 Vector로 미분 (scalar by vector)

# %% In [26]
_in(26)
w = tf.Variable(tf.random.normal((3, 2)), name="w")  # --> weights
b = tf.Variable(tf.zeros(2, dtype=tf.float32), name="b")  # --> bias
x = [[1.0, 2.0, 3.0]]

# persistent=True 옵션으로 tape.gradient()를 한 번 이상 호출 가능
with tf.GradientTape(persistent=True) as tape:
    y = x @ w + b
    loss = tf.reduce_mean(y**2)

# %% In [13]
_in(13)
display(w)

# %% In [14]
_in(14)
display(b)

# %% In [16]
_in(16)
display(y)

# %% In [15]
_in(15)
display(loss)

# %% In [27]
_in(27)
[dl_dw, dl_db] = tape.gradient(loss, [w, b])  # --> List Type

display([dl_dw, dl_db])

# %% In [28]
_in(28)
# 기록되고 있는 variable 확인

display(tape.watched_variables())

# %% In [18]
_in(18)
my_vars = {"w": w, "b": b}

grad = tape.gradient(loss, my_vars)  # --> Dict Type
display(grad["b"])

# %% In [19]
_in(19)
display(grad)

# %% [markdown]
# ## 자동미분 컨트롤 하기! (controlling what is recorded)
#
#   - `tf.GradientTape`은 `tf.Variable`만 기록한다.
#
#   - A(variable) + tensor(constant) 연산은 tensor(constant)를 반환하므로 기록되지 않는다.
#
#   - 변수(variable)인 weights를 모델에서 사용할 때,
#
#     `trainable` 조건으로 미분 기록을 제어할 수 있다.
#
# (The tape records `tf.Variable` reads only; a variable plus a constant tensor is a plain
# tensor, so it is not watched; the `trainable` flag controls whether a variable is
# recorded.)

# %% In [20]
_in(20)
# A trainable variable
x0 = tf.Variable(3.0, name="x0")
display(x0)

# %% In [21]
_in(21)
# Not trainable variable
x1 = tf.Variable(3.0, name="x1", trainable=False)
display(x1)

# %% In [22]
_in(22)
# Not a Variable: A variable + tensor returns a tensor.
x2 = tf.Variable(2.0, name="x2") + 1.0
display(x2)

# %% In [23]
_in(23)
# Not a variable
x3 = tf.constant(3.0, name="x3")
display(x3)

# %% In [24]
_in(24)
with tf.GradientTape() as tape:
    y = (x0**2) + (x1**2) + (x2**2) + (x3**2)

grad = tape.gradient(y, [x0, x1, x2, x3])

for g in grad:
    print(g)

# %% [markdown]
# #### 기록되고 있는 variable 확인하기 (which variables were watched)

# %% In [25]
_in(25)
display(tape.watched_variables())
