"""Live plotting: the real Visdom server against torchscope's, driven by the same clients.

Both servers run as separate processes on this machine. Visdom's server is started through
``visdom.server.run_server.start_server`` — its ``python -m visdom.server`` entry point first
downloads the web UI from CDNs and exits offline, and the HTTP API needs none of those files.

Measured, medians of repeated runs:

* appends/s: one-point ``vis.line(..., update='append')`` calls on a window that starts empty,
  measured in rounds in which the cases take turns, a slice of appends each (a shared
  machine's changing load then weighs on all of them alike), the ratio taken within each round;
* append latency with 100k points already in the window (Visdom re-diffs the whole window);
* memory per stored point: growth of the server's resident memory per line point stored
  (x = step counter, y = float32 values as training losses are; and the worst case, random
  float64 x and y);

for Visdom's client -> Visdom's server, Visdom's client -> torchscope, and torchscope.Visdom
(synchronous, and ``asynchronous=True``) -> torchscope.

Run: python benchmarks/live.py [--repeats 5] [--skip-visdom]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Visdom's figures from the protocol notes (visdom 0.2.4, measured by the project), for context.
VISDOM_REFERENCE = {
    "latency_10k_s": 0.3,
    "latency_100k_s": 4.0,
    "latency_1m_s": 24.0,
    "bytes_per_point": 84,
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


@contextlib.contextmanager
def server(kind: str) -> Iterator[tuple[int, int]]:
    """Start a ``visdom`` or ``torchscope`` server; yields (port, pid)."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as env_path:
        if kind == "visdom":
            code = (
                "from visdom.server.run_server import start_server; "
                f"start_server(port={port}, env_path={env_path!r}, bind_local=True, "
                "base_url='')"
            )
            command = [sys.executable, "-c", code]
        else:
            command = [
                sys.executable,
                "-m",
                "torchscope.server",
                "--port",
                str(port),
                "-env_path",
                env_path,
            ]
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_port(port, process)
            yield port, process.pid
        finally:
            process.kill()
            process.wait()


def rss_bytes(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(found.group(1)) * 1024 if found else 0


def make_client(kind: str, port: int, asynchronous: bool = False) -> Any:
    if kind == "visdom":
        import visdom

        return visdom.Visdom(
            server="http://127.0.0.1", port=port, use_incoming_socket=False, raise_exceptions=True
        )
    import torchscope

    return torchscope.Visdom(
        server="http://127.0.0.1",
        port=port,
        use_incoming_socket=False,
        raise_exceptions=True,
        asynchronous=asynchronous,
    )


def _flush(client: Any) -> None:
    if hasattr(client, "flush"):
        client.flush()


def appends_per_second(client: Any, win: str, count: int, start_step: int = 0) -> float:
    start = time.perf_counter()
    for step in range(start_step, start_step + count):
        client.line(
            Y=np.array([np.float32(step) * np.float32(0.1)]),
            X=np.array([step]),
            win=win,
            update="append",
        )
    _flush(client)
    return count / (time.perf_counter() - start)


def latency_at(client: Any, win: str, points: int, count: int, wait: bool = True) -> float:
    """Median seconds per one-point append to a window already holding ``points`` points.

    ``wait=False`` (asynchronous client): the time the call takes, i.e. what the training loop
    waits; the queue is flushed once at the end.
    """
    xs = np.arange(points)
    client.line(Y=np.sin(xs / 100.0).astype(np.float32).astype(np.float64), X=xs, win=win)
    _flush(client)
    times = []
    for k in range(count):
        start = time.perf_counter()
        client.line(Y=np.array([0.5]), X=np.array([points + k]), win=win, update="append")
        if wait:
            _flush(client)
        times.append(time.perf_counter() - start)
    _flush(client)
    return statistics.median(times)


def bytes_per_point(client: Any, pid: int, points: int, chunk: int, worst: bool, win: str) -> float:
    """Growth of the server's resident memory per point stored in a new window ``win``.

    The window is filled by appends of ``chunk`` points; with ``chunk >= points`` it is created
    in one request (Visdom: an append re-diffs the whole window, which takes minutes here).
    """
    rng = np.random.default_rng(0)

    def values(start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        if worst:
            return rng.random(n), rng.random(n)
        return np.arange(start, start + n), rng.random(n).astype(np.float32).astype(np.float64)

    time.sleep(0.3)
    before = rss_bytes(pid)
    if chunk >= points:
        xs, ys = values(0, points)
        client.line(Y=ys, X=xs, win=win)
    else:
        for start in range(0, points, chunk):
            xs, ys = values(start, min(chunk, points - start))
            client.line(Y=ys, X=xs, win=win, update="append")
    _flush(client)
    time.sleep(0.3)
    return (rss_bytes(pid) - before) / points


def store_bytes_per_point(port: int) -> float:
    """What torchscope's columns hold per stored point (its own accounting)."""
    import json
    import urllib.request

    url = f"http://127.0.0.1:{port}/data/plugin/live/stats"
    with urllib.request.urlopen(url) as answer:
        stats = json.loads(answer.read())
    return float(stats["column_bytes"]) / max(1, int(stats["points"]))


#: One-point appends per case and round (Visdom's server re-diffs the whole window on each
#: one, so its count stays small); a slice of either takes about as long, so that the cost of
#: switching between processes (cold caches) weighs on each alike.
APPENDS = {"visdom": 100, "torchscope": 2000}
#: Each round's appends are made in this many slices, the cases taking turns.
SLICES = 10


def append_rates(cases: list[tuple[str, str, str, bool]], repeats: int) -> dict[str, list[float]]:
    """appends/s of every case, one figure per round. In a round every case has its own server
    and client, and the cases take turns appending a slice at a time, so a shared machine's
    changing load weighs on all of them alike; ratios are taken within a round."""
    rates: dict[str, list[float]] = {label: [] for label, *_ in cases}
    for repeat in range(repeats):
        with contextlib.ExitStack() as stack:
            clients = {}
            for label, server_kind, client_kind, asynchronous in cases:
                port, _ = stack.enter_context(server(server_kind))
                clients[label] = make_client(client_kind, port, asynchronous)
                appends_per_second(clients[label], "warm-up", 20)
            elapsed = dict.fromkeys(clients, 0.0)
            for part in range(SLICES):
                for label, server_kind, *_ in cases:
                    count = APPENDS[server_kind] // SLICES
                    rate = appends_per_second(clients[label], f"rate{repeat}", count, part * count)
                    elapsed[label] += count / rate
            for label, server_kind, *_ in cases:
                rates[label].append(APPENDS[server_kind] / elapsed[label])
    return rates


def run_case(
    label: str,
    server_kind: str,
    client_kind: str,
    repeats: int,
    rates: list[float],
    asynchronous: bool = False,
) -> dict[str, float]:
    visdom_server = server_kind == "visdom"
    latency_calls = 3 if visdom_server else 200
    results: dict[str, float] = {"appends_per_s": statistics.median(rates)}
    latencies = []
    for _ in range(1 if visdom_server else repeats):  # Visdom: ~4 s per call at 100k
        with server(server_kind) as (port, _):
            client = make_client(client_kind, port, asynchronous)
            latencies.append(
                latency_at(client, "big", 100_000, latency_calls, wait=not asynchronous)
            )
    results["latency_100k_s"] = statistics.median(latencies)
    with server(server_kind) as (port, pid):
        client = make_client(client_kind, port, asynchronous)
        if visdom_server:
            results["bytes_per_point"] = bytes_per_point(client, pid, 200_000, 200_000, False, "m")
        else:
            results["bytes_per_point"] = bytes_per_point(client, pid, 1_000_000, 10_000, False, "m")
            results["store_bytes_per_point"] = store_bytes_per_point(port)
            results["bytes_per_point_worst"] = bytes_per_point(
                client, pid, 1_000_000, 10_000, True, "worst"
            )
    print(
        f"{label:44s} {results['appends_per_s']:10.0f} appends/s   "
        f"{results['latency_100k_s'] * 1000:9.2f} ms at 100k   "
        f"{results['bytes_per_point']:6.1f} B/point"
        + (
            f" (columns: {results['store_bytes_per_point']:.1f};"
            f" random float64 x,y: {results['bytes_per_point_worst']:.1f})"
            if "bytes_per_point_worst" in results
            else ""
        ),
        flush=True,
    )
    return results


def latency_growth(repeats: int) -> None:
    """torchscope's append latency as the window grows (it should stay flat)."""
    with server("torchscope") as (port, _):
        client = make_client("torchscope", port)
        for points in (1_000, 100_000, 1_000_000):
            median = latency_at(client, f"grow{points}", points, 100 * repeats)
            print(
                f"  torchscope.Visdom append latency with {points:>9,} points: "
                f"{median * 1000:.2f} ms"
            )


def latency_curve(path: Path, repeats: int) -> None:
    """Draw append latency against window size for both servers (Visdom's client)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = {
        "visdom": [1_000, 10_000, 50_000, 100_000],
        "torchscope": [1_000, 10_000, 100_000, 1_000_000],
    }
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=100)
    for kind, color in (("visdom", "#d62728"), ("torchscope", "#1f77b4")):
        medians = []
        with server(kind) as (port, _):
            client = make_client("visdom", port)
            for points in sizes[kind]:
                calls = 3 if kind == "visdom" else 50 * repeats
                medians.append(latency_at(client, f"c{points}", points, calls) * 1000)
                print(f"  {kind:10s} {points:>9,} points: {medians[-1]:9.2f} ms", flush=True)
        ax.loglog(sizes[kind], medians, "o-", color=color, label=f"{kind} server")
    ax.set_xlabel("points already in the window")
    ax.set_ylabel("one append (ms)")
    ax.set_title("Append latency, visdom client, 2-core shared VM")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-visdom", action="store_true", help="torchscope only")
    parser.add_argument("--plot", type=Path, help="only draw latency against window size (PNG)")
    args = parser.parse_args(argv)
    if args.plot is not None:
        latency_curve(args.plot, args.repeats)
        return 0
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    print(f"live plotting benchmark, {args.repeats} repeats (medians)")
    cases: list[tuple[str, str, str, bool]] = [
        ("visdom client -> torchscope server", "torchscope", "visdom", False),
        ("torchscope.Visdom -> torchscope server", "torchscope", "torchscope", False),
        ("torchscope.Visdom(asynchronous) -> torchscope", "torchscope", "torchscope", True),
    ]
    if not args.skip_visdom:
        cases.insert(0, ("visdom client -> visdom server", "visdom", "visdom", False))
    rates = append_rates(cases, args.repeats)
    results = {
        label: run_case(label, srv, cli, args.repeats, rates[label], asy)
        for label, srv, cli, asy in cases
    }
    latency_growth(1)
    print(f"\nVisdom reference figures (protocol notes): {VISDOM_REFERENCE}")
    base_label = "visdom client -> visdom server"
    base = results.get(base_label)
    if base is not None:
        print(f"\nratios against {base_label} (appends/s: median of the per-round ratios):")
        for label, found in results.items():
            if found is base:
                continue
            per_round = [
                ours / theirs for ours, theirs in zip(rates[label], rates[base_label], strict=True)
            ]
            print(
                f"  {label:44s} appends/s x{statistics.median(per_round):.1f}"
                f" (rounds: {', '.join(f'{r:.1f}' for r in per_round)})"
                f"   latency at 100k /{base['latency_100k_s'] / found['latency_100k_s']:.0f}"
                f"   memory /{base['bytes_per_point'] / max(found['bytes_per_point'], 0.01):.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
