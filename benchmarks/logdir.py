"""Serving a large log directory: torchscope vs ``tensorboard --load_fast=true``, side by side.

Builds a logdir of R runs x T tags x S steps of scalars (default 20 x 20 x 50,000 = 20 M points,
about 1 GB, written record by record exactly as torch's SummaryWriter writes them), then for
each server measures:

* cold load: process start until every series is complete over HTTP (torchscope: the series
  route reports all S points; TensorBoard: the scalars route's last point is step S - 1; it keeps
  a 1,000-point sample of each series, torchscope keeps every point);
* peak RSS of the server process tree (TensorBoard's Rust data server included);
* one series' response time (torchscope: the 1,000-bucket min/max route; TensorBoard: its
  scalars route), median of repeated requests;
* warm restart: the same again with the server's state kept (torchscope's cache; TensorBoard
  has none, so it loads everything again).

    python benchmarks/logdir.py              # 20 x 20 x 50,000
    python benchmarks/logdir.py --quick      # 4 x 5 x 5,000, a smoke run
    python benchmarks/logdir.py --runs 10 --tags 10 --steps 20000 --skip-tensorboard
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from torchscope.events import encode_scalar_record  # noqa: E402

TAG_NAMES = (
    "loss",
    "accuracy",
    "lr",
    "grad_norm",
    "val/loss",
    "val/accuracy",
    "throughput",
    "weights/mean",
    "weights/std",
    "memory_mb",
)


def tag_name(index: int) -> str:
    base = TAG_NAMES[index % len(TAG_NAMES)]
    return base if index < len(TAG_NAMES) else f"{base}_{index // len(TAG_NAMES)}"


# -- building the logdir ------------------------------------------------------------------------


def build_logdir(path: Path, runs: int, tags: int, steps: int) -> None:
    """Write the logdir unless a complete one with the same shape is already there."""
    marker = path / "COMPLETE.json"
    shape = {"runs": runs, "tags": tags, "steps": steps}
    if marker.exists() and json.loads(marker.read_text()) == shape:
        return
    shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    names = [tag_name(t) for t in range(tags)]
    for r in range(runs):
        run_dir = path / f"run_{r:03d}"
        run_dir.mkdir(parents=True)
        with open(run_dir / f"events.out.tfevents.1700000000.bench.{r}.0", "wb") as f:
            chunk: list[bytes] = []
            for step in range(steps):
                wall = 1.7e9 + step * 0.1
                decay = 0.2 + math.exp(-3.0 * step / steps)
                for t, name in enumerate(names):
                    # A decaying curve with deterministic noise, and a short spike now and
                    # then (about six per 50,000 steps) that a uniform sample would miss.
                    noise = 0.05 * math.sin(step * 12.9898 + t * 78.233 + r * 37.719)
                    value = (decay + noise) * (5.0 if (step + 977 * t) % 8191 == 0 else 1.0)
                    chunk.append(encode_scalar_record(name, value, step, wall))
                if len(chunk) >= 65536:
                    f.write(b"".join(chunk))
                    chunk.clear()
            f.write(b"".join(chunk))
        print(f"  wrote run {r + 1}/{runs}", end="\r", flush=True)
    marker.write_text(json.dumps(shape))
    size = sum(p.stat().st_size for p in path.rglob("*tfevents*"))
    print(f"  built {path} ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")


# -- process helpers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str, timeout: float = 30.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            pids.extend(process_tree(int(child)))
    return pids


def rss_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of ``pid`` and of its children that have exited."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


class Server:
    """A server process plus the peak RSS of its process tree, sampled while it runs."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        self.peak_kb = 0
        self.main_peak_kb = 0
        self.hwm: dict[int, int] = {}

    def cpu(self) -> float:
        """CPU seconds used so far by the whole process tree."""
        return sum(cpu_seconds(pid) for pid in set(process_tree(self.process.pid)))

    def sample_rss(self) -> None:
        # VmHWM is each process's own high-water mark (kept here after a worker exits); their
        # sum bounds the peak of the whole tree (server plus loader workers or data server).
        for pid in process_tree(self.process.pid):
            self.hwm[pid] = max(self.hwm.get(pid, 0), rss_kb(pid, "VmHWM"))
        self.main_peak_kb = self.hwm.get(self.process.pid, 0)
        self.peak_kb = max(self.peak_kb, sum(self.hwm.values()))

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def stop(self) -> None:
        self.sample_rss()
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def wait_until(server: Server, done: Callable[[], bool], timeout: float) -> float:
    while server.elapsed() < timeout:
        server.sample_rss()
        try:
            if done():
                return server.elapsed()
        except OSError:
            pass  # not listening yet
        time.sleep(0.25)
    raise TimeoutError(f"not complete after {timeout} s")


def median_ms(url: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# -- the two servers ----------------------------------------------------------------------------


def completion_check(
    runs: int, tags: int, base: str, series_complete: Callable[[str, str, str], bool]
) -> Callable[[], bool]:
    """A poll that is true once every series is complete over HTTP.

    Each poll first asks one series per run (all tags of a run are written step by step, so
    they complete together); once those are complete, every series is checked with 8
    requests in flight. Both servers are measured with the same protocol.
    """
    index: dict[str, Any] = {}

    def done() -> bool:
        nonlocal index
        if sum(len(run_tags) for run_tags in index.values()) < runs * tags:
            index = get_json(f"{base}/data/plugin/scalars/tags")
            if sum(len(run_tags) for run_tags in index.values()) < runs * tags:
                return False
        probes = [(run, sorted(run_tags)[-1]) for run, run_tags in index.items()]
        if not all(series_complete(base, run, tag) for run, tag in probes):
            return False
        every = [(run, tag) for run, run_tags in index.items() for tag in run_tags]
        with ThreadPoolExecutor(max_workers=8) as pool:
            return all(pool.map(lambda pair: series_complete(base, *pair), every))

    return done


def torchscope_series_complete(steps: int) -> Callable[[str, str, str], bool]:
    def complete(base: str, run: str, tag: str) -> bool:
        query = urllib.parse.urlencode({"run": run, "tag": tag, "buckets": 1})
        return bool(get_json(f"{base}/data/plugin/scalars/series?{query}")["total"] >= steps)

    return complete


def tensorboard_series_complete(steps: int) -> Callable[[str, str, str], bool]:
    def complete(base: str, run: str, tag: str) -> bool:
        query = urllib.parse.urlencode({"run": run, "tag": tag})
        rows = get_json(f"{base}/data/plugin/scalars/scalars?{query}")
        return bool(rows) and rows[-1][1] == steps - 1

    return complete


def measure(
    name: str,
    start: Callable[[int], Server],
    series_complete: Callable[[str, str, str], bool],
    series_url: Callable[[str], str],
    shape: tuple[int, int, int],
    repeats: int,
    timeout: float,
    samples: dict[str, Any],
) -> dict[str, float]:
    result: dict[str, float] = {}
    for phase in ("cold", "warm"):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start(port)
        try:
            check = completion_check(shape[0], shape[1], base, series_complete)
            result[f"{phase}_s"] = wait_until(server, check, timeout)
            result[f"{phase}_cpu_s"] = server.cpu()
            if phase == "cold":
                result["series_ms"] = median_ms(series_url(base), repeats)
                samples[name] = get_json(series_url(base))
            server.sample_rss()
            result[f"{phase}_peak_rss_mb"] = server.peak_kb / 1024
            result[f"{phase}_server_rss_mb"] = server.main_peak_kb / 1024
        finally:
            server.stop()
        print(
            f"  {name} {phase}: {result[f'{phase}_s']:.1f} s, "
            f"peak RSS {result[f'{phase}_peak_rss_mb']:.0f} MB"
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tags", type=int, default=20)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="4 runs x 5 tags x 5,000 steps")
    parser.add_argument("--logdir", type=Path, default=None, help="where to build the logdir")
    parser.add_argument("--repeats", type=int, default=20, help="requests per response time")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="repeat the whole measure, report medians (default 3 quick, 1 full)",
    )
    parser.add_argument("--skip-tensorboard", action="store_true")
    parser.add_argument(
        "--figure",
        type=Path,
        default=None,
        help="save a PNG of one series as each server answers it",
    )
    args = parser.parse_args()
    if args.quick:
        args.runs, args.tags, args.steps = 4, 5, 5000
    if args.rounds is None:
        args.rounds = 3 if args.quick else 1
    shape = (args.runs, args.tags, args.steps)
    logdir = args.logdir or Path(tempfile.gettempdir()) / "torchscope-bench-logdir-{}x{}x{}".format(
        *shape
    )
    print(
        f"logdir: {args.runs} runs x {args.tags} tags x {args.steps} steps "
        f"= {args.runs * args.tags * args.steps / 1e6:g} M scalars"
    )
    build_logdir(logdir, *shape)
    env_path = Path(tempfile.mkdtemp(prefix="torchscope-bench-env-"))
    probe_query = urllib.parse.urlencode({"run": "run_000", "tag": tag_name(0)})
    samples: dict[str, Any] = {}

    tensorboard = shutil.which("tensorboard", path=str(Path(sys.executable).parent))

    def start_torchscope(port: int) -> Server:
        command = [
            sys.executable,
            "-m",
            "torchscope.server",
            "--port",
            str(port),
            "--logdir",
            str(logdir),
            "--env-path",
            str(env_path),
        ]
        return Server(command)

    def start_tensorboard(port: int) -> Server:
        assert tensorboard is not None
        command = [
            tensorboard,
            "--logdir",
            str(logdir),
            "--port",
            str(port),
            "--host=127.0.0.1",
            "--load_fast=true",
        ]
        return Server(command)

    rounds: dict[str, list[dict[str, float]]] = {"torchscope": [], "tensorboard": []}
    for round_index in range(args.rounds):
        print(f"round {round_index + 1}/{args.rounds}")
        shutil.rmtree(env_path, ignore_errors=True)  # every round starts without a cache
        rounds["torchscope"].append(
            measure(
                "torchscope",
                start_torchscope,
                torchscope_series_complete(args.steps),
                lambda base: f"{base}/data/plugin/scalars/series?{probe_query}&buckets=1000",
                shape,
                args.repeats,
                args.timeout,
                samples,
            )
        )
        if not args.skip_tensorboard and tensorboard is not None:
            rounds["tensorboard"].append(
                measure(
                    "tensorboard",
                    start_tensorboard,
                    tensorboard_series_complete(args.steps),
                    lambda base: f"{base}/data/plugin/scalars/scalars?{probe_query}",
                    shape,
                    args.repeats,
                    args.timeout,
                    samples,
                )
            )
    shutil.rmtree(env_path, ignore_errors=True)
    results = {
        name: {key: statistics.median(r[key] for r in measured) for key in measured[0]}
        for name, measured in rounds.items()
        if measured
    }

    print()
    print(f"{'measure':<40}{'torchscope':>12}{'tensorboard':>13}{'ratio TB/ts':>13}")
    labels = {
        "cold_s": "all series complete, cold (s)",
        "cold_cpu_s": "CPU time until complete, cold (s)",
        "cold_peak_rss_mb": "peak RSS, cold, all processes (MB)",
        "cold_server_rss_mb": "peak RSS, cold, server process (MB)",
        "series_ms": "one series response (ms)",
        "warm_s": "all series complete, restart (s)",
        "warm_cpu_s": "CPU time until complete, restart (s)",
        "warm_peak_rss_mb": "peak RSS, restart, all processes (MB)",
    }
    ours = results["torchscope"]
    theirs = results.get("tensorboard", {})
    for key, label in labels.items():
        other = theirs.get(key)
        ratio = f"{other / ours[key]:.2f}x" if other else "-"
        other_text = f"{other:.1f}" if other is not None else "-"
        print(f"{label:<40}{ours[key]:>12.1f}{other_text:>13}{ratio:>13}")
    print(
        f"points kept per series: torchscope all {args.steps}, tensorboard at most 1000 (reservoir)"
    )
    print(f"(medians of {args.rounds} round(s); ratio > 1: torchscope faster or smaller)")
    print(f"torchscope read event files with the {_reader_name()} reader")
    print(json.dumps({"shape": shape, "rounds": args.rounds, "results": results}))
    if args.figure is not None:
        draw_figure(args.figure, logdir, samples)


def _reader_name() -> str:
    """Which event reader the torchscope server used (the same interpreter runs it)."""
    from torchscope.events import native_available

    native = native_available() and os.environ.get("TORCHSCOPE_NATIVE", "").strip() != "0"
    return "native (C)" if native else "pure-Python"


def draw_figure(path: Path, logdir: Path, samples: dict[str, Any]) -> None:
    """Plot the probed series: every point, torchscope's bucket answer, TensorBoard's sample."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sys.path.insert(0, str(ROOT))
    from torchscope.logdir import LogdirStore, StoreOptions

    store = LogdirStore(str(logdir / "run_000"), StoreOptions(reload_interval=0))
    store.reload()
    full = store.scalars(".", tag_name(0))
    store.close()
    panels = [("every point", full.steps, full.values, "0.4")]
    ours = samples.get("torchscope")
    if ours:
        label = f"torchscope, 1,000 buckets ({ours['points']} points)"
        panels.append((label, ours["step"], ours["value"], "tab:blue"))
    theirs = samples.get("tensorboard")
    if theirs:
        label = f"tensorboard --load_fast=true ({len(theirs)} points)"
        panels.append((label, [r[1] for r in theirs], [r[2] for r in theirs], "tab:orange"))
    figure, _ = plt.subplots(
        len(panels), 1, figsize=(8, 1.6 * len(panels)), sharex=True, sharey=True, dpi=90
    )
    for axis, (label, xs, ys, color) in zip(figure.axes, panels, strict=True):
        axis.plot(xs, ys, color=color, linewidth=0.6)
        axis.set_title(label, fontsize=9, loc="left")
        axis.tick_params(labelsize=7)
    figure.axes[-1].set_xlabel("step", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    print(f"figure written to {path}")


if __name__ == "__main__":
    main()
