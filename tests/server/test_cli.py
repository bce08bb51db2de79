import argparse
from pathlib import Path

import pytest

from torchscope.cli import add_serve_arguments, build_parser, config_from_args


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(allow_abbrev=False)
    add_serve_arguments(parser)
    return parser.parse_args(argv)


def test_defaults_are_local_and_visdom_port() -> None:
    config = config_from_args(parse([]))
    assert (config.host, config.port, config.base_url, config.readonly) == (
        "127.0.0.1",
        8097,
        "",
        False,
    )
    assert config.env_path.name == ".torchscope"


def test_visdom_single_dash_flags() -> None:
    args = parse(["-port", "8123", "-base_url", "/vis", "-env_path", "/tmp/envs", "-readonly"])
    config = config_from_args(args)
    assert (config.port, config.base_url, str(config.env_path), config.readonly) == (
        8123,
        "/vis",
        "/tmp/envs",
        True,
    )


def test_double_dash_flags_and_tensorboard_habit() -> None:
    args = build_parser().parse_args(["serve", "--logdir", "runs", "--port", "6006"])
    config = config_from_args(args)
    assert (config.logdir, config.port) == ("runs", 6006)


def test_visdom_logging_level_accepts_numbers_and_names() -> None:
    assert parse(["-logging_level", "20"]).log_level == "info"
    assert parse(["-logging_level", "DEBUG"]).log_level == "debug"
    with pytest.raises(SystemExit):
        parse(["-logging_level", "chatty"])


def test_bind_local_forces_loopback() -> None:
    assert config_from_args(parse(["--host", "0.0.0.0", "-bind_local"])).host == "127.0.0.1"


def test_enable_login_is_refused_with_a_message() -> None:
    with pytest.raises(SystemExit, match="enable_login"):
        config_from_args(parse(["-enable_login"]))


def test_bad_base_url_is_a_clear_exit() -> None:
    with pytest.raises(SystemExit, match="base_url"):
        config_from_args(parse(["--base-url", "/a/../b"]))


def test_logdir_reading_flags_reach_the_store_options(tmp_path: Path) -> None:
    from torchscope.logdir.registration import CACHE_FOLDER, store_options

    flags = ["--logdir", "runs", "--env-path", str(tmp_path), "--load-workers", "2"]
    flags += ["--samples_per_plugin", "images=5, histograms=all,audio=0", "--reload_interval", "0"]
    args = parse(flags)
    options = store_options(config_from_args(args))
    assert options.sample_caps["images"] == 5
    assert options.sample_caps["histograms"] is None and options.sample_caps["audio"] is None
    assert options.sample_caps["torchscope_explain"] == 100  # untouched default
    assert options.reload_interval == 0 and options.load_workers == 2
    assert options.cache_dir == tmp_path / CACHE_FOLDER
    assert store_options(config_from_args(parse(["--no-cache"]))).cache_dir is None
    defaults = store_options(config_from_args(parse([])))
    assert defaults.reload_interval is None and defaults.load_workers is None


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--samples_per_plugin", "images"], "plugin=count"),
        (["--samples_per_plugin", "images=lots"], "number or 'all'"),
    ],
)
def test_bad_samples_per_plugin_is_an_argparse_error(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse(flags)
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [(["--reload_interval", "-1"], "reload_interval"), (["--load-workers", "0"], "load_workers")],
)
def test_bad_logdir_numbers_are_a_clear_exit(flags: list[str], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        config_from_args(parse(flags))
