"""Server start-up: process start until the first HTTP answer, torchscope vs TensorBoard.

Both serve the same empty log directory on loopback. Prints the median of several starts and
the ratio. Visdom's own server cannot start without internet access (it downloads its UI from
CDNs at every start), so TensorBoard is the anchor here.

    python benchmarks/startup.py [--repeats 5] [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def time_to_first_answer(command: list[str], url: str, timeout: float = 60.0) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - started < timeout:
            try:
                with urllib.request.urlopen(url, timeout=1):
                    return time.perf_counter() - started
            except OSError:
                time.sleep(0.01)
        raise TimeoutError(f"{command[0]} gave no answer within {timeout} s")
    finally:
        process.terminate()
        process.wait()


def torchscope_start(logdir: str, env_path: str) -> float:
    port = free_port()
    command = [sys.executable, "-m", "torchscope.server", "--port", str(port)]
    command += ["--logdir", logdir, "--env-path", env_path]
    return time_to_first_answer(command, f"http://127.0.0.1:{port}/api/health")


def tensorboard_start(logdir: str) -> float:
    port = free_port()
    executable = shutil.which("tensorboard", path=str(Path(sys.executable).parent))
    if executable is None:
        raise SystemExit("tensorboard is not installed: pip install tensorboard")
    command = [executable, "--logdir", logdir, "--port", str(port), "--host", "127.0.0.1"]
    return time_to_first_answer(command, f"http://127.0.0.1:{port}/data/environment")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 starts each")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    with tempfile.TemporaryDirectory() as logdir, tempfile.TemporaryDirectory() as env_path:
        ours = [torchscope_start(logdir, env_path) for _ in range(repeats)]
        theirs = [tensorboard_start(logdir) for _ in range(repeats)]
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    print(f"start-up to first answer, median of {repeats}:")
    print(f"  torchscope  {ours_median * 1000:8.0f} ms")
    print(f"  tensorboard {theirs_median * 1000:8.0f} ms")
    print(f"  ratio torchscope/tensorboard = {ours_median / theirs_median:.2f}")


if __name__ == "__main__":
    main()
