"""``%load_ext torchscope`` / ``%torchscope`` in a real kernel, executed with nbclient."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from torchscope.notebook import frame_html

FIXTURE_LOGDIR = Path("/work/shared/fixtures/tb-logdir-torch")
FRAME_SRC = re.compile(r'<iframe id="[^"]+" src="([^"]+)"')


def _html_outputs(cell: nbformat.NotebookNode) -> list[str]:
    return [
        output["data"]["text/html"]
        for output in cell.get("outputs", [])
        if "text/html" in output.get("data", {})
    ]


def _frame_src(cell: nbformat.NotebookNode) -> str:
    outputs = _html_outputs(cell)
    assert len(outputs) == 1, cell.get("outputs")
    match = FRAME_SRC.search(outputs[0])
    assert match is not None, outputs[0]
    return match.group(1).replace("&amp;", "&")


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.read()


def _answers(url: str) -> bool:
    try:
        _get(url)
    except (urllib.error.URLError, OSError):
        return False
    return True


def test_magic_starts_reuses_and_embeds_a_live_server(tmp_path: Path) -> None:
    logdir = str(FIXTURE_LOGDIR)
    env_path = tmp_path / "env"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext torchscope"),
        nbformat.v4.new_code_cell(
            f"%torchscope --logdir {logdir} --view scalars --height 600 --env-path {env_path}"
        ),
        nbformat.v4.new_code_cell(f"%torchscope --logdir {logdir}"),
        nbformat.v4.new_code_cell(
            "from torchscope import notebook\n"
            f"server = notebook.start({logdir!r})\n"
            "notebook.show(port=server.port, view='images', height=300)"
        ),
        nbformat.v4.new_code_cell("%torchscope --port 5"),
    ]
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        first = _frame_src(notebook.cells[1])
        again = _frame_src(notebook.cells[2])
        shown = _frame_src(notebook.cells[3])
        assert first.endswith("#/scalars") and 'height="600"' in _html_outputs(notebook.cells[1])[0]
        base = first.split("#")[0]
        assert re.fullmatch(r"http://localhost:\d+/", base), base
        # The second magic and show() found the same server: one process per logdir.
        assert again.split("#")[0] == base and shown == base + "#/images"
        # The frame points at a server that answers: the dashboard page and the logdir's runs.
        status, page = _get(base)
        assert status == 200 and b"<html" in page.lower()
        _, runs = _get(base + "data/runs")
        assert {"eval", "train"} <= set(json.loads(runs))
        # A magic without --logdir prints argparse's error instead of failing the cell.
        errors = "".join(o.get("text", "") for o in notebook.cells[4]["outputs"])
        assert "--logdir" in errors
    # Shutting the kernel down ends the server it started.
    deadline = time.monotonic() + 20
    while _answers(base + "api/health") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _answers(base + "api/health")


def test_frame_html_checks_its_arguments() -> None:
    markup = frame_html("http://localhost:6006/?token=abc", view="scalars", height=400)
    assert 'src="http://localhost:6006/?token=abc#/scalars"' in markup
    assert 'height="400"' in markup
    with pytest.raises(ValueError, match="view"):
        frame_html("http://localhost:6006/", view='x"><script>')
    with pytest.raises(ValueError, match="height"):
        frame_html("http://localhost:6006/", height=10)
