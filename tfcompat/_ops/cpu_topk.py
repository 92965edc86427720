"""TF's CPU `TopKV2` kernel, row by row in NumPy, for rows holding NaN.

TF's CPU kernel orders a row with C++ comparisons on the values: `std::sort` with
`a > b` when k is the row's length (then the indices of each run of equal adjacent
values are sorted), a bounded heap (`gtl::TopN`) with "greater, then lower index" for
other k, and an Eigen maximum for k == 1 (computed in the XLA program:
`math_ops._top_k_first_max`). Without NaN every branch gives the same
order: values descending, `-0.0 == 0.0`, ties by lower index, which tfcompat's XLA
program computes directly. NaN compares false with everything, so the kernel's order
then depends on the algorithm's steps; this module replays those steps (GCC's
libstdc++ introsort, insertion sort and heap functions) so that a row with NaN gives
TF's answer too. It runs on the host, only for tensors that hold a NaN.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["top_k_rows"]

Cmp = Callable[[int, int], bool]
_THRESHOLD = 16  # libstdc++'s _S_threshold


# -- libstdc++ heap functions over a Python list, with `comp` as "less" -----------------------
def _push_heap(a: list[int], first: int, hole: int, top: int, value: int, comp: Cmp) -> None:
    parent = (hole - 1) // 2
    while hole > top and comp(a[first + parent], value):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _adjust_heap(a: list[int], first: int, hole: int, length: int, value: int, comp: Cmp) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if comp(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    _push_heap(a, first, hole, top, value, comp)


def _make_heap(a: list[int], first: int, last: int, comp: Cmp) -> None:
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(a, first, parent, length, a[first + parent], comp)
        if parent == 0:
            return
        parent -= 1


def _pop_heap(a: list[int], first: int, last: int, comp: Cmp) -> None:
    if last - first > 1:
        last -= 1
        value = a[last]
        a[last] = a[first]
        _adjust_heap(a, first, 0, last - first, value, comp)


def _push_heap_range(a: list[int], first: int, last: int, comp: Cmp) -> None:
    value = a[last - 1]
    _push_heap(a, first, last - first - 1, 0, value, comp)


def _sort_heap(a: list[int], first: int, last: int, comp: Cmp) -> None:
    while last - first > 1:
        last -= 1
        value = a[last]
        a[last] = a[first]
        _adjust_heap(a, first, 0, last - first, value, comp)


# -- libstdc++ std::sort ----------------------------------------------------------------------
def _unguarded_linear_insert(a: list[int], last: int, comp: Cmp) -> None:
    val = a[last]
    nxt = last - 1
    while comp(val, a[nxt]):
        a[last] = a[nxt]
        last = nxt
        nxt -= 1
    a[last] = val


def _insertion_sort(a: list[int], first: int, last: int, comp: Cmp) -> None:
    if first == last:
        return
    for i in range(first + 1, last):
        if comp(a[i], a[first]):
            val = a[i]
            a[first + 1 : i + 1] = a[first:i]
            a[first] = val
        else:
            _unguarded_linear_insert(a, i, comp)


def _move_median_to_first(a: list[int], result: int, x: int, y: int, z: int, comp: Cmp) -> None:
    if comp(a[x], a[y]):
        if comp(a[y], a[z]):
            k = y
        elif comp(a[x], a[z]):
            k = z
        else:
            k = x
    elif comp(a[x], a[z]):
        k = x
    elif comp(a[y], a[z]):
        k = z
    else:
        k = y
    a[result], a[k] = a[k], a[result]


def _unguarded_partition(a: list[int], first: int, last: int, pivot: int, comp: Cmp) -> int:
    while True:
        while comp(a[first], a[pivot]):
            first += 1
        last -= 1
        while comp(a[pivot], a[last]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _introsort_loop(a: list[int], first: int, last: int, depth: int, comp: Cmp) -> None:
    while last - first > _THRESHOLD:
        if depth == 0:
            _make_heap(a, first, last, comp)  # std::__partial_sort(first, last, last)
            _sort_heap(a, first, last, comp)
            return
        depth -= 1
        mid = first + (last - first) // 2
        _move_median_to_first(a, first, first + 1, mid, last - 1, comp)
        cut = _unguarded_partition(a, first + 1, last, first, comp)
        _introsort_loop(a, cut, last, depth, comp)
        last = cut


def std_sort(a: list[int], comp: Cmp) -> None:
    """GCC's `std::sort(a.begin(), a.end(), comp)`, in place."""
    n = len(a)
    if n < 2:
        return
    _introsort_loop(a, 0, n, 2 * (n.bit_length() - 1), comp)
    if n > _THRESHOLD:
        _insertion_sort(a, 0, _THRESHOLD, comp)
        for i in range(_THRESHOLD, n):
            _unguarded_linear_insert(a, i, comp)
    else:
        _insertion_sort(a, 0, n, comp)


# -- TF's TopK kernel -------------------------------------------------------------------------
def _row(row: np.ndarray, k: int, sorted_: bool) -> list[int]:
    vals = row.tolist()
    n = len(vals)

    def comp(a: int, b: int) -> bool:
        return vals[b] < vals[a]

    def stable(a: int, b: int) -> bool:
        if vals[b] < vals[a]:
            return True
        if vals[b] > vals[a]:
            return False
        return a < b

    if k == n:
        idx = list(range(n))
        std_sort(idx, comp)
        start = 0
        while start != n:
            end = start + 1
            if end == n:
                break
            if vals[idx[start]] == vals[idx[end]]:
                end += 1
                while end != n and vals[idx[start]] == vals[idx[end]]:
                    end += 1
                idx[start:end] = sorted(idx[start:end])
            start = end
        return idx
    # gtl::TopN<int, stable>(k): push 0..n-1, then Extract() (sorted) or the heap as is.
    elements: list[int] = []
    heap = False
    for c in range(n):
        if not heap:
            elements.append(c)
            if len(elements) == k + 1:
                _make_heap(elements, 0, len(elements), stable)
                _pop_heap(elements, 0, len(elements), stable)
                heap = True
        elif stable(c, elements[0]):
            elements[-1] = c
            _push_heap_range(elements, 0, len(elements), stable)
            _pop_heap(elements, 0, len(elements), stable)
    elements.pop()
    if sorted_:
        _sort_heap(elements, 0, len(elements), stable)
    return elements


def top_k_rows(x: np.ndarray, k: int, sorted_: bool) -> np.ndarray:
    """TF's CPU TopKV2 indices (int64) for `x` of shape (..., n), row by row (k > 1)."""
    rows = np.asarray(x).reshape(-1, x.shape[-1])
    out = np.empty((rows.shape[0], k), np.int64)
    for r in range(rows.shape[0]):
        out[r] = _row(rows[r], k, sorted_)
    return out.reshape(*x.shape[:-1], k)
