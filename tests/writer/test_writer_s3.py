"""Remote log directories: an s3:// logdir on a local moto S3 server."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from torchscope import SummaryWriter
from torchscope.events import EventFileReader, decode_scalar_event, parse_event


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_bucket() -> Iterator[str]:
    """A bucket on a moto server; s3fs pointed at it through fsspec's config."""
    import sys

    server = Path(sys.executable).parent / "moto_server"
    port = _free_port()
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.2)
    saved = dict(fsspec.config.conf)
    fsspec.config.conf["s3"] = {
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"},
    }
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket="torchscope-test")
    try:
        yield "s3://torchscope-test"
    finally:
        fsspec.config.conf.clear()
        fsspec.config.conf.update(saved)
        process.terminate()
        process.wait(timeout=30)


def _event_files(url: str) -> list[str]:
    fs, root = fsspec.core.url_to_fs(url)
    fs.invalidate_cache()
    return sorted(f"s3://{p}" for p in fs.find(root) if "tfevents" in p)


def _scalar_steps(path: str) -> list[int]:
    batch = EventFileReader(path).poll_all()
    assert not batch.problems
    return [e.step for p in batch.payloads if (e := decode_scalar_event(p)) is not None]


def test_logging_to_s3(s3_bucket: str) -> None:
    run = f"{s3_bucket}/runs/exp1"
    writer = SummaryWriter(run, flush_secs=3600)
    (path,) = _event_files(run)
    assert parse_event(EventFileReader(path).poll_all().payloads[0]).file_version
    for step in range(10):
        writer.add_scalar("loss", 1.0 / (step + 1), step)
    writer.flush()  # an object store cannot append: the flush uploads the file
    assert _scalar_steps(path) == list(range(10))
    writer.add_scalars("pair", {"a": 1.0, "b": 2.0}, 0)
    writer.add_embedding([[1.0, 2.0], [3.0, 4.0]], metadata=["x", "y"])
    for step in range(10, 15):
        writer.add_scalar("loss", 0.0, step)
    writer.close()
    assert _scalar_steps(path) == list(range(15))
    files = _event_files(run)
    assert len(files) == 3 and any("/pair_a/" in f for f in files)
    fs, _ = fsspec.core.url_to_fs(run)
    config = fs.cat(f"{run}/projector_config.pbtxt").decode()
    assert 'tensor_path: "00000/default/tensors.tsv"' in config
    assert fs.cat(f"{run}/00000/default/tensors.tsv") == b"1.0\t2.0\n3.0\t4.0\n"
