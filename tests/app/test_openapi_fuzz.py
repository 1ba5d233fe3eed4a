"""Schemathesis against the running app's OpenAPI document: every operation, generated requests, zero
failures (no 500, no undocumented status, answers that match their schema), and no worker dies."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests import servers

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_the_api_answers_every_generated_request_as_its_document_says(tmp_path: Path) -> None:
    with servers.running(tmp_path / "links.sqlite3", like_make_run=True, log=tmp_path / "server.log") as live:
        server, port = live.process, live.port
        before = servers.workers(server)
        run = subprocess.run(  # noqa: S603 - our own tool, on loopback
            [
                str(Path(servers.sys.executable).with_name("st")),
                "--config-file",
                str(CONFIG),
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--max-examples",
                "25",
                "--seed",
                "20261129",
                "--request-timeout",
                "20",
            ],
            capture_output=True,
            text=True,
            timeout=540,
            cwd=tmp_path,
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
        assert "passed" in run.stdout and "failed" not in run.stdout.split("Test cases:")[-1]
        assert servers.workers(server) == before  # no worker was killed or restarted
