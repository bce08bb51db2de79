from pathlib import Path

import pytest

from torchscope.server.config import ServerConfig, normalize_base_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, ""), ("", ""), ("/", ""), ("/vis", "/vis"), ("/vis/", "/vis"), ("vis", "/vis"),
     ("/a/b/", "/a/b")],
)  # fmt: skip
def test_base_url_is_normalized(given: str | None, expected: str) -> None:
    assert normalize_base_url(given) == expected


@pytest.mark.parametrize("bad", ["/a/../b", "/vis?x=1", "/v is", "/a#b"])
def test_base_url_rejects_non_paths(bad: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        normalize_base_url(bad)


def test_port_out_of_range_names_the_port() -> None:
    with pytest.raises(ValueError, match="port"):
        ServerConfig(port=70000)


def test_env_path_expands_home() -> None:
    config = ServerConfig(env_path=Path("~/somewhere"))
    assert config.env_path == Path.home() / "somewhere"


def test_public_url_uses_the_bound_port_and_prefix() -> None:
    config = ServerConfig(port=0, base_url="/vis/")
    assert config.public_url(8123) == "http://localhost:8123/vis"


def test_public_url_prefers_the_hostname_flag() -> None:
    assert ServerConfig(hostname="gpu-box").public_url() == "http://gpu-box:8097"


def test_public_url_brackets_ipv6_hosts() -> None:
    assert ServerConfig(host="fe80::1").public_url(9000) == "http://[fe80::1]:9000"


def test_wildcard_host_is_flagged_and_printed_as_localhost() -> None:
    config = ServerConfig(host="0.0.0.0")
    assert config.listens_on_all_interfaces
    assert config.public_url().startswith("http://localhost:")
