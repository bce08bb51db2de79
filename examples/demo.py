"""The torchscope demo: train a small CNN on scikit-learn's digits, offline, logging everything, and
serve the dashboard.

    python examples/demo.py [--port 8097] [--epochs 5]

It starts the server (live plots and the log directory in one), trains with the Learner while the
TorchscopeLogger sends the loss, learning rate, accuracy, histograms, the model graph, explanation
maps and embeddings to it, then keeps serving until Ctrl-C. `make demo` runs this script.
"""

from __future__ import annotations

import argparse
import datetime
import signal
import subprocess
import sys
from pathlib import Path

import torchscope
from torchscope.train.callbacks.dashboard import TorchscopeLogger

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_digits import train_digits

ALIVE = "It's Alive! You can navigate to "


def start_server(port: int, logdir: Path, env_path: Path) -> tuple[subprocess.Popen[str], str]:
    """Start ``torchscope serve`` and wait for its "It's Alive!" line; returns it and its URL."""
    command = [sys.executable, "-m", "torchscope", "serve", "--port", str(port)]
    command += ["--logdir", str(logdir), "--env-path", str(env_path)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith(ALIVE):
        server.wait()
        raise SystemExit(f"demo: the server did not start (exit status {server.returncode})")
    return server, line[len(ALIVE) :].strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8097, help="dashboard port (0: any free one)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path(".demo"),
                        help="where the log directory and live environments go")  # fmt: skip
    parser.add_argument("--no-serve", action="store_true",
                        help="stop the server once training is done (for tests)")  # fmt: skip
    args = parser.parse_args()

    # A plain kill (SIGTERM) stops the demo as Ctrl-C does: the server goes with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    logdir, env_path = args.workdir / "runs", args.workdir / "envs"
    logdir.mkdir(parents=True, exist_ok=True)
    run_dir = logdir / datetime.datetime.now().strftime("digits-%Y%m%d-%H%M%S")
    server, url = start_server(args.port, logdir, env_path)
    print(f"Dashboard: {url}  (training now; the views fill in as it goes)", flush=True)
    try:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        vis = torchscope.Visdom(port=port, env="digits", asynchronous=True)
        logger = TorchscopeLogger(
            str(run_dir),
            vis=vis,
            histogram_every=20,
            explain=("saliency", "guided_backprop", "deconvnet", "grad_cam"),
        )
        learner = train_digits(epochs=args.epochs, callbacks=[logger])
        accuracy = learner.recorder.last.get("accuracy")
        print(f"Training done: validation accuracy {accuracy:.3f}. Logs in {run_dir}", flush=True)
        if args.no_serve:
            return 0
        print(f"Serving the dashboard at {url} - press Ctrl-C to stop.", flush=True)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
