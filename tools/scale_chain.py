"""Measure compiling and running a long elementwise chain (docs/reliability.md, "Scale").

    JAX_PLATFORMS=cpu python tools/scale_chain.py gradient 100000
    JAX_PLATFORMS=cpu python tools/scale_chain.py value 100000

records `y = y * 1.0000001` n times under a `tf.GradientTape`, then takes the gradient
(`gradient`) or reads `y` through a persistent tape (`value`: the chain's own value
program), and prints the seconds to record, the seconds to compile and run, the result
and the peak RSS. `--above N` / `--segment N` set `engine.SEGMENT_ABOVE` /
`engine.SEGMENT_NODES` (`--above 1000000000` traces programs unsegmented: XLA's CPU
compiler then dies with SIGSEGV from about 21,500 ops on, so run it in its own process).
"""

from __future__ import annotations

import argparse
import resource
import time

import tfcompat as tf
from tfcompat._tape import engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["gradient", "value"])
    parser.add_argument("n", type=int)
    parser.add_argument("--above", type=int, default=engine.SEGMENT_ABOVE)
    parser.add_argument("--segment", type=int, default=engine.SEGMENT_NODES)
    args = parser.parse_args()
    engine.SEGMENT_ABOVE, engine.SEGMENT_NODES = args.above, args.segment

    x, c = tf.Variable(1.0), tf.constant(1.0000001)
    start = time.perf_counter()
    with tf.GradientTape(persistent=args.mode == "value") as tape:
        y = x
        for _ in range(args.n):
            y = y * c
    record_s = time.perf_counter() - start
    start = time.perf_counter()
    result = float(tape.gradient(y, x)) if args.mode == "gradient" else float(y)
    run_s = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.mode} n={args.n}: record {record_s:.2f} s, compile and run {run_s:.2f} s, "
        f"result {result:.7g}, peak RSS {peak_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()
