"""Load: many writers and live viewers on one server, torchscope against the real Visdom.

For each server (a separate process, started as in ``benchmarks/live.py``), in the same run:

* ``--writers`` writers (default 50; threads spread over ``--writer-processes`` processes) each
  append one point at a time to a window of their own in env ``load`` for ``--duration``
  seconds, with the exact ``POST /update`` body Visdom's client sends for
  ``vis.line(..., update="append")`` (each writer keeps its HTTP connection open);
* ``--viewers`` viewers (default 20) hold the browser's WebSocket (``/socket``) open, select
  env ``load`` as Visdom's page does (``POST /env/load {sid}``) and count what they receive.

Reported, medians over ``--repeats`` runs: sustained writes/s (acknowledged appends / duration),
p50 and p99 write latency, viewer messages received/s (all viewers together, and the slowest
viewer), peak server resident memory, the server's CPU use (cores busy: 1.0 is one core for the
whole run; both servers run their requests on one event loop) and its CPU time per acknowledged
write (pushes to every viewer included), and errors (a non-200 answer, an answer that is not
the window id, a dropped connection). Writers, viewers and the server share this machine's
cores: the CPU figures say whether the server was the limit, and CPU per write is the figure
least moved by whatever else the machine runs.

Run: python benchmarks/load.py [--duration 15] [--repeats 3] [--skip-visdom]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import http.client
import json
import multiprocessing
import multiprocessing.synchronize
import os
import statistics
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import rss_bytes, server

ENV = "load"
#: Visdom's client options for a plain ``vis.line`` (sent again with every append).
LINE_OPTS: dict[str, Any] = {
    "markers": False,
    "fillarea": False,
    "mode": "lines",
    "markersymbol": "dot",
    "markersize": 10,
    "markerborderwidth": 0.5,
}
#: How long setup steps (connections, window creation) may take on a loaded machine.
SETUP_TIMEOUT_S = 60.0


def window_name(writer: int) -> str:
    return f"w{writer:03d}"


def _trace(x: float, y: float) -> dict[str, Any]:
    """One line trace as Visdom's client builds it for a one-point ``vis.line``."""
    return {
        "x": [x],
        "y": [y],
        "name": "1",
        "type": "scatter",
        "mode": "lines",
        "textposition": "right",
        "line": {},
        "marker": {"size": 10, "symbol": "dot", "line": {"color": "#000000", "width": 0.5}},
    }


def create_body(win: str) -> bytes:
    """``POST /events`` body of ``vis.line(Y=[0.0], X=[0], win=win, env="load")``."""
    layout = {"showlegend": False, "margin": {"l": 60, "r": 60, "t": 60, "b": 60}}
    message = {
        "data": [_trace(0.0, 0.0)],
        "win": win,
        "eid": ENV,
        "layout": layout,
        "opts": LINE_OPTS,
    }
    return json.dumps(message).encode()


def append_body(win: str, step: int) -> bytes:
    """``POST /update`` body of ``vis.line(Y=[y], X=[step], win=win, update="append")``."""
    message = {
        "data": [_trace(float(step), step * 0.001)],
        "win": win,
        "eid": ENV,
        "layout": {},
        "opts": LINE_OPTS,
        "name": None,
        "append": True,
    }
    return json.dumps(message).encode()


def post(port: int, path: str, body: bytes, timeout: float = SETUP_TIMEOUT_S) -> str:
    """One POST on a fresh connection; raises on a non-200 answer."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return str(answer.read().decode())


# --- writers ----------------------------------------------------------------------------------


@dataclasses.dataclass
class WriterReport:
    """What one writer process saw during the measured interval."""

    acknowledged: int = 0
    latencies: list[float] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)


def _write_until(
    port: int, writer: int, deadline: float, report: WriterReport, lock: threading.Lock
) -> None:
    win = window_name(writer)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SETUP_TIMEOUT_S)
    step = 1
    latencies: list[float] = []
    errors: list[str] = []
    acknowledged = 0
    while time.monotonic() < deadline:
        body = append_body(win, step)
        start = time.monotonic()
        try:
            connection.request("POST", "/update", body=body)
            answer = connection.getresponse()
            text = answer.read().decode()
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{win}: {type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SETUP_TIMEOUT_S)
            continue
        done = time.monotonic()
        if answer.status != 200 or text != win:
            errors.append(f"{win}: HTTP {answer.status} {text[:80]!r}")
        elif done <= deadline:
            acknowledged += 1
            latencies.append(done - start)
        step += 1
    connection.close()
    with lock:
        report.acknowledged += acknowledged
        report.latencies.extend(latencies)
        report.errors.extend(errors)


def writer_process(
    port: int,
    writers: list[int],
    ready: Queue[str],
    go: multiprocessing.synchronize.Event,
    deadline: Any,
    results: Queue[WriterReport],
) -> None:
    """Run ``writers`` as threads once ``go`` is set; put one WriterReport on ``results``."""
    ready.put("ready")
    go.wait()
    report = WriterReport()
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_write_until, args=(port, w, deadline.value, report, lock))
        for w in writers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(report)


# --- viewers ----------------------------------------------------------------------------------


@dataclasses.dataclass
class ViewerReport:
    """Messages each viewer received during the measured interval, and what went wrong."""

    messages: list[int] = dataclasses.field(default_factory=list)
    received_bytes: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)


async def _view(
    port: int, index: int, go: asyncio.Event, deadline: list[float], report: ViewerReport
) -> None:
    import websockets

    try:
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/socket", max_size=None, open_timeout=SETUP_TIMEOUT_S
        ) as socket:
            register = json.loads(await socket.recv())
            if register.get("command") != "register":
                raise RuntimeError(f"first message is not register: {register}")
            sid = json.dumps({"sid": register["data"]}).encode()
            await asyncio.to_thread(post, port, f"/env/{ENV}", sid)
            report.messages[index] = -1  # connected, env selected
            await go.wait()
            count = 0
            while True:
                left = deadline[0] - time.monotonic()
                if left <= 0:
                    break
                try:
                    message = await asyncio.wait_for(socket.recv(), timeout=left)
                except TimeoutError:
                    break
                count += 1
                report.received_bytes += len(message)
            report.messages[index] = count
    except Exception as exc:  # a benchmark reports every failure instead of stopping
        report.errors.append(f"viewer {index}: {type(exc).__name__}: {exc}")


async def _view_all(
    port: int,
    viewers: int,
    ready: Queue[str],
    go: multiprocessing.synchronize.Event,
    deadline: Any,
) -> ViewerReport:
    report = ViewerReport(messages=[0] * viewers)
    started = asyncio.Event()
    shared_deadline = [0.0]
    tasks = [
        asyncio.create_task(_view(port, i, started, shared_deadline, report))
        for i in range(viewers)
    ]
    setup_until = time.monotonic() + SETUP_TIMEOUT_S
    while (
        not all(count == -1 for count in report.messages)
        and not report.errors
        and time.monotonic() < setup_until
    ):
        await asyncio.sleep(0.05)
    ready.put("ready")
    await asyncio.to_thread(go.wait)
    shared_deadline[0] = deadline.value
    started.set()
    await asyncio.gather(*tasks)
    return report


def viewer_process(
    port: int,
    viewers: int,
    ready: Queue[str],
    go: multiprocessing.synchronize.Event,
    deadline: Any,
    results: Queue[ViewerReport],
) -> None:
    """Hold ``viewers`` browser sockets on env ``load``; put one ViewerReport on ``results``."""
    results.put(asyncio.run(_view_all(port, viewers, ready, go, deadline)))


# --- one measured run -------------------------------------------------------------------------


@dataclasses.dataclass
class RunResult:
    writes_per_s: float
    p50_ms: float
    p99_ms: float
    viewer_messages_per_s: float
    slowest_viewer_per_s: float
    peak_rss_mb: float
    server_cpu: float
    errors: int
    error_samples: list[str]


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sample_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    while not stop.wait(0.25):
        try:
            peak[0] = max(peak[0], rss_bytes(pid))
        except OSError:
            return


def measure(kind: str, writers: int, viewers: int, processes: int, duration: float) -> RunResult:
    """Start a ``kind`` server, load it for ``duration`` seconds, and report."""
    context = multiprocessing.get_context("spawn")
    with server(kind) as (port, pid):
        for writer in range(writers):
            post(port, "/events", create_body(window_name(writer)))
        ready: Queue[str] = context.Queue()
        writer_results: Queue[WriterReport] = context.Queue()
        viewer_results: Queue[ViewerReport] = context.Queue()
        go = context.Event()
        deadline = context.Value("d", 0.0)
        groups = [list(range(writers))[p::processes] for p in range(processes)]
        children = [
            context.Process(
                target=writer_process, args=(port, g, ready, go, deadline, writer_results)
            )
            for g in groups
        ]
        children.append(
            context.Process(
                target=viewer_process, args=(port, viewers, ready, go, deadline, viewer_results)
            )
        )
        for child in children:
            child.start()
        for _ in children:
            ready.get(timeout=SETUP_TIMEOUT_S)
        peak = [rss_bytes(pid)]
        stop = threading.Event()
        sampler = threading.Thread(target=_sample_rss, args=(pid, stop, peak), daemon=True)
        sampler.start()
        cpu_before = cpu_seconds(pid)
        deadline.value = time.monotonic() + duration
        go.set()
        writer_reports = [writer_results.get(timeout=duration + SETUP_TIMEOUT_S) for _ in groups]
        server_cpu = (cpu_seconds(pid) - cpu_before) / duration
        viewer_report = viewer_results.get(timeout=duration + SETUP_TIMEOUT_S)
        stop.set()
        sampler.join()
        for child in children:
            child.join(timeout=SETUP_TIMEOUT_S)
    latencies = [s for report in writer_reports for s in report.latencies]
    errors = [e for report in writer_reports for e in report.errors] + viewer_report.errors
    counts = [max(0, count) for count in viewer_report.messages]
    return RunResult(
        writes_per_s=sum(r.acknowledged for r in writer_reports) / duration,
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        viewer_messages_per_s=sum(counts) / duration,
        slowest_viewer_per_s=min(counts, default=0) / duration,
        peak_rss_mb=peak[0] / 2**20,
        server_cpu=server_cpu,
        errors=len(errors),
        error_samples=errors[:3],
    )


# --- report -----------------------------------------------------------------------------------

COLUMNS: list[tuple[str, str, Callable[[RunResult], float]]] = [
    ("writes/s", "{:9.0f}", lambda r: r.writes_per_s),
    ("p50 ms", "{:8.1f}", lambda r: r.p50_ms),
    ("p99 ms", "{:8.1f}", lambda r: r.p99_ms),
    ("viewer msgs/s", "{:13.0f}", lambda r: r.viewer_messages_per_s),
    ("slowest viewer/s", "{:16.0f}", lambda r: r.slowest_viewer_per_s),
    ("peak RSS MB", "{:11.0f}", lambda r: r.peak_rss_mb),
    ("server CPU", "{:10.2f}", lambda r: r.server_cpu),
    ("CPU ms/write", "{:12.2f}", lambda r: 1000 * r.server_cpu / max(r.writes_per_s, 1e-9)),
    ("errors", "{:6.0f}", lambda r: r.errors),
]


def median_result(runs: list[RunResult]) -> dict[str, float]:
    return {name: statistics.median(get(run) for run in runs) for name, _, get in COLUMNS}


def print_row(label: str, values: dict[str, float]) -> None:
    cells = [fmt.format(values[name]) for name, fmt, _ in COLUMNS]
    print(f"{label:11s} " + " ".join(cells), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--writer-processes", type=int, default=5)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-visdom", action="store_true", help="torchscope only")
    args = parser.parse_args(argv)
    for name in ("writers", "viewers", "writer_processes", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.duration <= 0:
        parser.error("--duration must be positive")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    kinds = ["torchscope"] if args.skip_visdom else ["visdom", "torchscope"]
    print(
        f"load: {args.writers} writers ({args.writer_processes} processes), {args.viewers} "
        f"viewers, {args.duration:g} s per run, {args.repeats} runs per server (medians)"
    )
    print(
        f"{'server':11s} " + " ".join(f"{name:>{len(fmt.format(0))}s}" for name, fmt, _ in COLUMNS)
    )
    runs: dict[str, list[RunResult]] = {kind: [] for kind in kinds}
    for _ in range(args.repeats):
        for kind in kinds:  # interleaved, so both servers see the same machine load
            run = measure(
                kind,
                args.writers,
                args.viewers,
                min(args.writer_processes, args.writers),
                args.duration,
            )
            runs[kind].append(run)
            print_row(kind, median_result([run]))
            for sample in run.error_samples:
                print(f"  {kind} error: {sample}", flush=True)
    medians = {kind: median_result(results) for kind, results in runs.items()}
    print("\nmedians:")
    for kind, values in medians.items():
        print_row(kind, values)
    if "visdom" in medians:
        ts, vd = medians["torchscope"], medians["visdom"]
        print(
            "\ntorchscope / visdom: "
            f"writes/s x{ts['writes/s'] / max(vd['writes/s'], 1e-9):.1f}, "
            f"p50 latency x{ts['p50 ms'] / vd['p50 ms']:.2f}, "
            f"p99 latency x{ts['p99 ms'] / vd['p99 ms']:.2f}, "
            f"viewer msgs/s x{ts['viewer msgs/s'] / max(vd['viewer msgs/s'], 1e-9):.1f}, "
            f"peak RSS x{ts['peak RSS MB'] / vd['peak RSS MB']:.2f}, "
            f"server CPU per write x{ts['CPU ms/write'] / vd['CPU ms/write']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
