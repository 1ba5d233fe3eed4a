"""Notebook fixtures: a real JupyterLab server on loopback that cannot find Graphviz's dot, and Chromium."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.servers import free_port

T = TypeVar("T")
VENV_BIN = Path(sys.executable).parent
# The only programs on the server's PATH: no `dot`, so the widget lays out in the browser. (Kernels need no
# `python` there: jupyter_client starts them with the server's own interpreter, the venv's by its full path.)
PROGRAMS = ["jupyter", "jupyter-lab", "jupyter-server"]
START_TIMEOUT = 40.0


@dataclass
class Lab:
    """A running JupyterLab: its address with the token, and the folder it serves."""

    url: str
    token: str
    root: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


def no_dot_path(folder: Path) -> str:
    """A PATH of symlinks to the virtual environment's Jupyter commands, and nothing else."""
    folder.mkdir()
    for name in PROGRAMS:
        (folder / name).symlink_to(VENV_BIN / name)
    return str(folder)


def lab_environment(home: Path) -> dict[str, str]:
    """The server's environment: the PATH above, and every Jupyter folder in the test's own temp dir."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "IPYTHON"))}
    env.update(
        PATH=no_dot_path(home / "bin"),
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",  # the kernel's debugger otherwise warns on stderr
    )
    return env


# JupyterLab settings for a test run: start the notebook's kernel without asking which, and no news toast.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
}


# Extensions the test does not use: the debugger's start-up talks to the kernel and logs console errors.
PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/debugger-extension": True}}


def write_settings(home: Path) -> None:
    """JupyterLab's settings and page configuration, in the folders lab_environment names."""
    for plugin, values in SETTINGS.items():
        path = home / "settings" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    page_config = home / "config" / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True)
    page_config.write_text(json.dumps(PAGE_CONFIG), encoding="utf-8")


def lab_command(port: int, token: str, root: Path) -> list[str]:
    """JupyterLab on loopback with a token, no browser, and nothing fetched from the internet."""
    return [
        str(VENV_BIN / "jupyter-lab"),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--allow-root",  # CI runs as root
        "--ServerApp.terminals_enabled=False",
        "--LabApp.extension_manager=readonly",  # the default asks PyPI about extensions
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]


def wait_until_up(url: str, token: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT:g} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab serving a temporary folder, stopped at the end of the session."""
    home = tmp_path_factory.mktemp("jupyter")
    root = home / "notebooks"
    root.mkdir()
    write_settings(home)
    port, token = free_port(), secrets.token_hex(16)
    log = home / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            lab_command(port, token, root), env=lab_environment(home), stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, token, server, log)
        yield Lab(url, token, root)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, with the browser tests' flags, for the calling thread.

    Not a session fixture: Playwright's sync API runs one instance per thread, and the browser tests keep
    theirs open for the whole session, so a notebook test drives its own from a thread of its own."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is missing at {CHROMIUM}: `make test` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def in_own_thread(work: Callable[[], T]) -> T:
    """`work()` run in a new thread, its result or its exception handed back here."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
