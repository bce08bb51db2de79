"""The server as users start it: a real process, real sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALIVE = "It's Alive! You can navigate to "


def start(args: list[str], env_path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "torchscope.server", "-env_path", str(env_path), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_alive(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith(ALIVE), (line, process.stderr.read() if process.poll() else "")
    return line[len(ALIVE) :].strip()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = start(["-port", "0", "-base_url", "/vis"], tmp_path / "envs")
    try:
        yield process, wait_alive(process)
    finally:
        process.kill()
        process.wait()


def test_visdom_style_command_line_serves_under_the_prefix(
    server: tuple[subprocess.Popen[str], str],
) -> None:
    _, url = server
    assert url.startswith("http://localhost:") and url.endswith("/vis")
    port = int(url.split(":")[2].split("/")[0])
    assert port > 0  # the port really bound, not the 0 that was asked for
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/vis/api/health", timeout=5) as answer:
        assert b'"ok"' in answer.read()


def test_ctrl_c_stops_cleanly(server: tuple[subprocess.Popen[str], str]) -> None:
    process, _ = server
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        process = start(["--port", str(port)], tmp_path)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert f"port {port} is already in use" in lines[0]


def test_env_path_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    process = start(["--port", "0"], blocker / "envs")
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 1
    assert "--env-path" in stderr and "Traceback" not in stderr


def test_listening_everywhere_warns(tmp_path: Path) -> None:
    process = start(["--host", "0.0.0.0", "--port", "0"], tmp_path)
    try:
        wait_alive(process)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
    assert "all interfaces" in stderr


def test_torchscope_serve_is_the_same_server(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "torchscope", "serve", "--port", "0", "--logdir", "runs",
         "--env-path", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = wait_alive(process)
        with urllib.request.urlopen(url.replace("localhost", "127.0.0.1") + "/data/logdir") as r:
            assert r.read() == b'{"logdir":"runs"}'
    finally:
        process.kill()
        process.wait()


def test_server_process_does_not_import_torch() -> None:
    # Start-up must stay fast: torch costs seconds to import and the server does not need it.
    code = (
        "import sys; from torchscope.server.app import create_app; "
        "from torchscope.server.config import ServerConfig; import tempfile; "
        "create_app(ServerConfig(env_path=tempfile.mkdtemp())); "
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_second_server_on_one_env_path_is_one_line(tmp_path: Path) -> None:
    first = start(["--port", "0"], tmp_path)
    try:
        wait_alive(first)
        second = start(["--port", "0"], tmp_path)
        _, stderr = second.communicate(timeout=30)
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 1
    assert "another torchscope server is using" in stderr
    assert "Traceback" not in stderr
