"""A logdir in S3 (a local moto server), read through fsspec, including growing files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eventfiles import scalar_records, version_record

from torchscope.logdir import LogdirStore

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, dict[str, Any]]]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket="logs")
    try:
        yield client, {"endpoint_url": endpoint, "skip_instance_cache": True}
    finally:
        server.stop()


def test_s3_logdir_is_read_and_tailed(
    s3: tuple[Any, dict[str, Any]], open_store: Callable[..., LogdirStore]
) -> None:
    client, storage_options = s3
    first = [version_record(), *scalar_records("loss", range(50), range(50))]
    client.put_object(Bucket="logs", Key="exp/run1/events.out.tfevents.1", Body=b"".join(first))
    client.put_object(
        Bucket="logs",
        Key="exp/run2/sub/events.out.tfevents.1",
        Body=b"".join(scalar_records("acc", [0, 1], [0.5, 0.75])),
    )
    client.put_object(Bucket="logs", Key="exp/readme.txt", Body=b"not events")

    store = open_store("s3://logs/exp", storage_options=storage_options)
    store.reload()
    assert store.runs() == ["run1", "run2/sub"]
    assert store.scalars("run1", "loss").steps.tolist() == list(range(50))
    assert store.scalars("run2/sub", "acc").values.tolist() == [0.5, 0.75]

    # Objects cannot be appended to: a writer uploads the longer file again.
    grown = first + scalar_records("loss", range(50, 60), range(50, 60))
    client.put_object(Bucket="logs", Key="exp/run1/events.out.tfevents.1", Body=b"".join(grown))
    store.reload()
    assert store.scalars("run1", "loss").steps.tolist() == list(range(60))
