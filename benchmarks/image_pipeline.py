"""Image pipeline benchmark: ``python -m benchmarks.image_pipeline [--quick] [--no-tf]``.

Images per second of a decode + resize + batch pipeline over PNG files the benchmark
writes itself (default 512 RGB images of 64x64, resized to 32x32, batch 32):
``list_files -> map(read_file, decode_png, resize, num_parallel_calls=AUTOTUNE) ->
batch -> prefetch``, the same code on tfcompat and TensorFlow's ``tf.data``, side by side
in one run: the first epoch's time (tracing and warm-up included) and the median of the
following epochs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from types import ModuleType
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BATCH = 32


def write_pngs(root: str, count: int, size: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(count):
        folder = os.path.join(root, f"class{i % 2}")
        os.makedirs(folder, exist_ok=True)
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(os.path.join(folder, f"img{i:05d}.png"))


def pipeline(tf: ModuleType, root: str, out_size: int) -> Any:
    def load(path: Any) -> Any:
        image = tf.io.decode_png(tf.io.read_file(path), channels=3)
        return tf.image.resize(image, [out_size, out_size])

    ds = tf.data.Dataset.list_files(os.path.join(root, "*", "*.png"), shuffle=False)
    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.batch(BATCH).prefetch(tf.data.AUTOTUNE)


def epoch_times(ds: Any, epochs: int) -> list[float]:
    """Seconds per epoch (every batch's array read); the first includes warm-up."""
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        for batch in ds:
            batch.numpy()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.image_pipeline")
    parser.add_argument("--quick", action="store_true", help="fewer epochs")
    parser.add_argument("--no-tf", action="store_true", help="skip TensorFlow rows")
    parser.add_argument("--images", type=int, default=512, help="number of PNG files")
    parser.add_argument("--size", type=int, default=64, help="side of the written images")
    parser.add_argument("--out", type=int, default=32, help="side after resize")
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else 6

    import tfcompat

    systems: list[tuple[str, ModuleType]] = [("tfcompat", tfcompat)]
    if not args.no_tf:
        try:
            import tensorflow

            tensorflow.get_logger().setLevel("ERROR")
            systems.append(("tensorflow", tensorflow))
        except ImportError:
            pass
    print(
        f"{os.cpu_count()} CPUs; {args.images} PNG {args.size}x{args.size} -> "
        f"{args.out}x{args.out}, batch {BATCH}",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as root:
        write_pngs(root, args.images, args.size)
        print("| Pipeline | System | First epoch | Epoch (median) | Images/s |")
        print("|---|---|---:|---:|---:|")
        for name, tf in systems:
            times = epoch_times(pipeline(tf, root, args.out), epochs)
            med = statistics.median(times[1:])
            print(
                f"| I1 png decode.resize.batch | {name} | {times[0]:.3f} s | {med:.3f} s | "
                f"{args.images / med:,.0f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
