"""TensorFlow's random streams for tf.data's shuffling, on the host with NumPy.

TF's tf.data kernels draw from `PhiloxRandom(seed, seed2)` (Philox-4x32-10: key = the two
32-bit halves of `seed`, counter = `[0, 0, low(seed2), high(seed2)]`) read one 32-bit
word at a time (`SingleSampleAdapter`): the words of the block at counter `c`, then of
`c + 1`, and so on. A dataset that reshuffles each iteration owns a *seed generator* - such
a stream seeded with the op's `(seed, seed2)` - and each new iterator of the dataset
takes the next two words as its own `(seed, seed2)`; with `reshuffle_each_iteration=False`
every iterator uses `(seed, seed2)` itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["PhiloxStream", "SeedGenerator", "peeking", "tf_shuffled"]

# Set while a pipeline is iterated only to learn a function's output spec.
peeking = threading.local()

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint32(0x9E3779B9)
_W1 = np.uint32(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_CHUNK = 256  # blocks computed per refill


def _philox(c: list[np.ndarray], k0: np.uint32, k1: np.uint32) -> np.ndarray:
    """Philox-4x32-10 of counter words `c` (uint32 arrays): `(n, 4)` uint32 words."""
    c0, c1, c2, c3 = c
    with np.errstate(over="ignore"):
        for r in range(10):
            p0 = c0.astype(np.uint64) * _M0
            p1 = c2.astype(np.uint64) * _M1
            hi0, lo0 = (p0 >> np.uint64(32)).astype(np.uint32), (p0 & _MASK).astype(np.uint32)
            hi1, lo1 = (p1 >> np.uint64(32)).astype(np.uint32), (p1 & _MASK).astype(np.uint32)
            c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
            if r < 9:
                k0 = np.uint32(k0 + _W0)
                k1 = np.uint32(k1 + _W1)
    return np.stack([c0, c1, c2, c3], axis=-1)


class PhiloxStream:
    """The 32-bit words of TF's `SingleSampleAdapter<PhiloxRandom>(seed, seed2)`."""

    def __init__(self, seed: int, seed2: int) -> None:
        s, s2 = int(seed) & 0xFFFFFFFFFFFFFFFF, int(seed2) & 0xFFFFFFFFFFFFFFFF
        self._k0, self._k1 = np.uint32(s & 0xFFFFFFFF), np.uint32(s >> 32)
        self._hi = s2  # counter words 2 and 3
        self._block = 0  # the next block's offset from the initial counter
        self._words: list[int] = []
        self._pos = 0

    def _refill(self) -> None:
        idx = np.arange(self._block, self._block + _CHUNK, dtype=np.uint64)
        self._block += _CHUNK
        # 128-bit counter [0, 0, lo(seed2), hi(seed2)] + idx; idx never reaches 2**64.
        c = [
            (idx & _MASK).astype(np.uint32),
            (idx >> np.uint64(32)).astype(np.uint32),
            np.full(_CHUNK, self._hi & 0xFFFFFFFF, np.uint32),
            np.full(_CHUNK, self._hi >> 32, np.uint32),
        ]
        self._words = _philox(c, self._k0, self._k1).reshape(-1).tolist()
        self._pos = 0

    def next(self) -> int:
        if self._pos == len(self._words):
            self._refill()
        w = self._words[self._pos]
        self._pos += 1
        return w

    def take(self, k: int) -> np.ndarray:
        """The next `k` words (int64 array)."""
        out: list[int] = []
        while len(out) < k:
            if self._pos == len(self._words):
                self._refill()
            chunk = self._words[self._pos : self._pos + k - len(out)]
            self._pos += len(chunk)
            out.extend(chunk)
        return np.asarray(out, np.int64)


class SeedGenerator:
    """The per-dataset seed source of TF's shuffle (`RandomSeedGenerator` when
    reshuffling each iteration, `FixedSeedGenerator` otherwise)."""

    def __init__(self, seed: int, seed2: int, reshuffle: bool) -> None:
        self._seeds = (seed, seed2)
        self._stream = PhiloxStream(seed, seed2) if reshuffle else None
        self._taken = 0
        self._lock = threading.Lock()

    def next_seeds(self, peek: bool = False) -> tuple[int, int]:
        """The seeds of the next iterator (`peek`: without consuming them)."""
        if self._stream is None:
            return self._seeds
        with self._lock:
            if peek:
                copy = PhiloxStream(*self._seeds)
                for _ in range(self._taken):
                    copy.next()
                return copy.next(), copy.next()
            self._taken += 2
            return self._stream.next(), self._stream.next()


def tf_shuffled(it: Iterator[Any], size: int, stream: PhiloxStream) -> Iterator[Any]:
    """TF's shuffle buffer (one epoch): a ring buffer of `size` slots filled in input
    order; each output takes slot `start + word % filled`, moves the element at `start`
    into that slot, and advances `start`; the buffer is topped up before each output.

    While the input lasts the buffer is full before every output (the modulus is `size`);
    once it is exhausted the moduli count down; both phases draw their words in bulk."""
    buf: dict[int, Any] | list[Any]
    buf = [None] * size if size <= 1 << 16 else {}
    end = 0
    for e in it:  # fill
        buf[end % size] = e
        end += 1
        if end == size:
            break
    start = 0
    words = np.zeros(0, np.int64)  # drawn in bulk; words[k:] are not used yet
    k = 0
    if end == size:  # steady state: one input per output, modulus `size`
        offsets: list[int] = []
        for e in it:
            if k == len(offsets):
                words, k = stream.take(_CHUNK * 4), 0
                offsets = (words % size).tolist()
            index = (start + offsets[k]) % size
            k += 1
            s = start % size
            out = buf[index]
            buf[index] = buf[s]
            buf[s] = e  # the freed slot `start` is the slot of position `end`
            start += 1
            end += 1
            yield out
    left = end - start
    if left <= 0:
        return
    moduli = np.arange(left, 0, -1, dtype=np.int64)
    rest = words[k:]
    drawn = np.concatenate([rest[:left], stream.take(max(0, left - len(rest)))])
    for off in (drawn % moduli).tolist():  # drain
        index = (start + off) % size
        s = start % size
        out = buf[index]
        buf[index] = buf[s]
        buf[s] = None
        start += 1
        yield out
