"""`.env` as every entry point reads it: the environment wins, a blank value means unset."""

import os
import subprocess
import sys

import pytest

from ressourcefy.env import BASE_DIR, load_env_file


@pytest.fixture
def env_file(tmp_path, monkeypatch):
    for name in ("RFY_FROM_FILE", "RFY_BOTH", "RFY_BLANK", "PROMETHEUS_MULTIPROC_DIR"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / ".env"
    path.write_text("RFY_FROM_FILE=file\nRFY_BOTH=file\nRFY_BLANK=\nPROMETHEUS_MULTIPROC_DIR=\n")
    return path


def test_values_from_the_file_are_set(env_file):
    assert load_env_file(env_file)["RFY_FROM_FILE"] == "file"
    assert os.environ["RFY_FROM_FILE"] == "file"


def test_a_variable_of_the_environment_wins_over_the_file(env_file, monkeypatch):
    monkeypatch.setenv("RFY_BOTH", "environment")
    load_env_file(env_file)
    assert os.environ["RFY_BOTH"] == "environment"


def test_a_blank_value_leaves_the_variable_unset(env_file, monkeypatch):
    monkeypatch.setenv("RFY_BLANK", "")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    load_env_file(env_file)
    assert "RFY_BLANK" not in os.environ
    # prometheus_client turns multiprocess mode on for a set-but-empty variable.
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_a_blank_prometheus_dir_in_the_environment_alone_is_dropped(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "  ")
    load_env_file(tmp_path / "missing.env")
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_the_shell_form_bin_run_evaluates_quotes_values(env_file, monkeypatch):
    env_file.write_text("RFY_FROM_FILE=it's $HOME\n")
    environment = {key: value for key, value in os.environ.items() if key != "RFY_FROM_FILE"}
    shell = subprocess.run(  # noqa: S603 - this interpreter, a fixed module
        [sys.executable, "-m", "ressourcefy.env", str(env_file)],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    echoed = subprocess.run(  # noqa: S603 - bin/run's shell, on what the module printed
        ["bash", "-c", f'{shell}\nprintf %s "$RFY_FROM_FILE"'],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    assert echoed.stdout == "it's $HOME"
