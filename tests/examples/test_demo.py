"""`make demo`'s script: trains, logs to both the live server and a log directory, and serves."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_trains_logs_everything_and_the_server_shows_it(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "examples/demo.py", "--port", "0", "--epochs", "1", "--no-serve",
         "--workdir", str(workdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Dashboard: http://localhost:" in result.stdout
    assert "Training done: validation accuracy" in result.stdout

    config = ServerConfig(port=0, logdir=str(workdir / "runs"), env_path=workdir / "envs")
    with TestClient(create_app(config)) as client:
        runs = client.get("/data/runs").json()
        (run,) = [name for name in runs if "/" not in name]
        assert run.startswith("digits-")
        assert f"{run}/hparams" in runs  # add_hparams' session, in a child run as torch does
        # the live environment the demo drew in survives the demo's server
        assert "digits" in client.post("/env_state", content="{}").json()
        windows = client.post("/win_data", content='{"eid": "digits", "win": null}').json()
        assert {"train_loss", "epoch_accuracy", "explain_saliency"} <= set(windows)


@pytest.mark.slow
def test_stopping_the_demo_stops_its_server(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "examples/demo.py", "--port", "0", "--epochs", "1",
         "--workdir", str(tmp_path / "demo")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        for line in demo.stdout:
            if line.startswith("Serving the dashboard at "):
                break
        else:
            raise AssertionError("the demo did not start serving")
        port = int(line.split("http://localhost:", 1)[1].split()[0].strip("/"))
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # serving
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) == 0
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        demo.kill()
        demo.wait()
