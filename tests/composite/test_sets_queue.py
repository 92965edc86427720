"""`tf.sets` and `tf.queue` against TensorFlow 2.21."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import tfcompat


def _a(tf: Any) -> Any:
    return tf.constant([[1, 2, 2], [3, 1, 1]])


def _b(tf: Any) -> Any:
    return tf.constant([[2, 5, 5], [1, 1, 1]])


def _sa(tf: Any) -> Any:
    return tf.sparse.from_dense(tf.constant([[1, 0, 2], [0, 0, 0]]))


SETS = {
    "union": lambda tf: tf.sets.union(_a(tf), _b(tf)),
    "intersection": lambda tf: tf.sets.intersection(_a(tf), _b(tf)),
    "difference": lambda tf: tf.sets.difference(_a(tf), _b(tf)),
    "difference_b_minus_a": lambda tf: tf.sets.difference(_a(tf), _b(tf), aminusb=False),
    "size_sparse": lambda tf: tf.sets.size(_sa(tf)),
    "union_sparse_dense": lambda tf: tf.sets.union(_sa(tf), tf.constant([[7], [8]])),
    "difference_sparse_dense": lambda tf: tf.sets.difference(_sa(tf), _b(tf)),
    "intersection_sparse_sparse": lambda tf: tf.sets.intersection(_sa(tf), _sa(tf)),
    "rank3": lambda tf: tf.sets.union(
        tf.constant([[[1, 2], [3, 3]]]), tf.constant([[[2, 4], [5, 3]]])
    ),
    "int64": lambda tf: tf.sets.intersection(
        tf.constant([[1, 2]], tf.int64), tf.constant([[2, 3]], tf.int64)
    ),
    "size_of_dense": lambda tf: tf.sets.size(_a(tf)),
    "rank1": lambda tf: tf.sets.union(tf.constant([1, 2]), tf.constant([1])),
    "dtype_mismatch": lambda tf: tf.sets.union(_a(tf), tf.constant([[1.0, 2.0]])),
    "shape_mismatch": lambda tf: tf.sets.union(_a(tf), tf.constant([[1]])),
}


@pytest.mark.parametrize("case", list(SETS), ids=list(SETS))
def test_sets_match_tf(run_both: Any, case: str) -> None:
    run_both(SETS[case])


def _fifo(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(3, tf.float32, shapes=[[]])
    q.enqueue(1.0)
    q.enqueue_many([[2.0, 3.0]])
    return q.size(), q.dequeue(), q.dequeue_many(2), q.size(), q.dtypes, q.shapes, q.names


def _multi(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(5, [tf.int32, tf.float32], shapes=[[], [2]])
    q.enqueue([1, [1.0, 2.0]])
    q.enqueue_many([[2, 3], [[3.0, 4.0], [5.0, 6.0]]])
    return q.dequeue(), q.dequeue_many(2)


def _named(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(5, [tf.int32, tf.float32], names=["a", "b"])
    q.enqueue({"a": 1, "b": 2.0})
    return q.dequeue()


def _closed(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(5, tf.int32, shapes=[[]])
    q.enqueue_many([[1, 2]])
    q.close()
    return q.is_closed(), q.dequeue_up_to(5)


def _padding(tf: Any) -> Any:
    q = tf.queue.PaddingFIFOQueue(5, tf.int32, shapes=[[None]])
    q.enqueue([[1]])
    q.enqueue([[1, 2, 3]])
    return q.dequeue_many(2)


def _shuffle(tf: Any) -> Any:
    q = tf.queue.RandomShuffleQueue(10, 0, tf.int32, shapes=[[]], seed=1)
    q.enqueue_many([[1, 2, 3, 4]])
    size = q.size()
    return size, tf.sort(q.dequeue_many(4))


def _dequeue_closed(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(5, tf.int32)
    q.close()
    return q.dequeue()


def _enqueue_closed(tf: Any) -> Any:
    q = tf.queue.FIFOQueue(5, tf.int32)
    q.close()
    return q.enqueue(1)


QUEUES = {
    "fifo": _fifo,
    "multi": _multi,
    "named": _named,
    "closed": _closed,
    "padding": _padding,
    "shuffle": _shuffle,
    "type_name": lambda tf: (
        type(tf.queue.FIFOQueue(1, tf.int32)).__name__,
        type(tf.queue.FIFOQueue(1, tf.int32)).__module__,
    ),
    "wrong_dtype": lambda tf: tf.queue.FIFOQueue(3, tf.float32).enqueue(1),
    "wrong_shape": lambda tf: tf.queue.FIFOQueue(3, tf.float32, shapes=[[2]]).enqueue(1.0),
    "many_needs_shapes": lambda tf: tf.queue.FIFOQueue(3, tf.float32).dequeue_many(1),
}


@pytest.mark.parametrize("case", list(QUEUES), ids=list(QUEUES))
def test_queues_match_tf(run_both: Any, case: str) -> None:
    run_both(QUEUES[case], message=False)


@pytest.mark.parametrize("fn", [_dequeue_closed, _enqueue_closed], ids=["dequeue", "enqueue"])
def test_closed_queue_errors(run_both: Any, fn: Any) -> None:
    # The queue's id in the message is TF's resource counter: classes are compared.
    run_both(fn, message=False)


def test_dequeue_blocks_until_another_thread_enqueues() -> None:
    tf = tfcompat
    q = tf.queue.FIFOQueue(1, tf.int32)
    got: list[Any] = []
    t = threading.Thread(target=lambda: got.append(int(q.dequeue())))
    t.start()
    q.enqueue(7)
    t.join(timeout=10)
    assert got == [7]
