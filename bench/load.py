"""Load on loopback: 200 connections open shared links and post traces for 30 s (wrk, from Debian).

`python -m bench.load` runs it alone; `make bench` runs it with the others. Loopback only, bounded
in time; the server is the app as `make run` starts it: one uvicorn process.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from urllib.parse import quote

from bench.report import MISSING, Table, verdict
from tests.servers import running

SECONDS = 30
LINK_CONNECTIONS, TRACE_CONNECTIONS = 180, 20
LINK_GOAL_MS = 200.0
GET_SCRIPT = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""
POST_SCRIPT = """
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '%s'
"""


def make_links(base: str, count: int) -> list[str]:
    paths = []
    for k in range(count):
        state = "v=1&source=" + quote(f"x = {k}\ny = 3\nq = x + y\nf = q * x\n") + f"&step={k % 7}"
        request = urllib.request.Request(
            f"{base}/api/share",
            data=json.dumps({"state": state}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
            paths.append(json.loads(response.read())["url"])
    return paths


def parse(output: str) -> dict[str, float]:
    """Requests, errors and latency percentiles from wrk's --latency report."""

    def milliseconds(text: str) -> float:
        number, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

    result = {"requests": float(re.search(r"(\d+) requests in", output).group(1))}  # type: ignore[union-attr]
    for label in ("50", "99"):
        result[f"p{label}"] = milliseconds(re.search(rf"\s{label}%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["errors"] = float(sum(map(int, socket_errors.groups())) if socket_errors else 0) + float(
        non_2xx.group(1) if non_2xx else 0
    )
    return result


def run() -> list[Table]:
    table = Table(
        f"Load: {LINK_CONNECTIONS + TRACE_CONNECTIONS} connections for {SECONDS} s on loopback (wrk)",
        ["case", "connections", "requests", "per second", "p50", "p99", "errors", "goal", "result"],
    )
    if shutil.which("wrk") is None:
        table.notes.append(f"wrk {MISSING} (Debian package wrk; `make bench` installs it)")
        return [table]
    with tempfile.TemporaryDirectory() as folder, running(Path(folder) / "links.sqlite3", like_make_run=True) as server:
        paths = make_links(server.url, 20)
        results = blast(server.url, paths, Path(folder))
    for name, connections, key, goal in (
        ("open a shared link (GET /s/<id>)", LINK_CONNECTIONS, "links", LINK_GOAL_MS),
        ("post a trace (POST /api/trace)", TRACE_CONNECTIONS, "traces", None),
    ):
        r = results[key]
        met = r["errors"] == 0 and (goal is None or r["p99"] < goal)
        table.rows.append(
            [
                name,
                str(connections),
                f"{r['requests']:,.0f}",
                f"{r['requests'] / SECONDS:,.0f}",
                f"{r['p50']:.1f} ms",
                f"{r['p99']:.1f} ms",
                f"{r['errors']:.0f}",
                f"0 errors{f', p99 < {goal:g} ms' if goal else ''}",
                verdict(met),
            ]
        )
    table.notes.append("both run at once against `python -m app` (one worker per core); wrk's timeout is 2 s")
    return [table]


def blast(base: str, paths: list[str], folder: Path) -> dict[str, dict[str, float]]:
    get_script, post_script = folder / "get.lua", folder / "post.lua"
    get_script.write_text(GET_SCRIPT % ", ".join(f'"{p}"' for p in paths))
    body = json.dumps({"source": "x = -2\ny = 5\nz = -4\nq = x + y\nf = q * z\n", "values": {"x": 1.5}})
    post_script.write_text(POST_SCRIPT % body.replace("\\", "\\\\"))  # Lua reads \n as a newline
    common = ["wrk", "-t2", f"-d{SECONDS}s", "--timeout", "2s", "--latency"]
    runs = {
        "links": subprocess.Popen(
            [*common, f"-c{LINK_CONNECTIONS}", "-s", str(get_script), base], stdout=subprocess.PIPE, text=True
        ),
        "traces": subprocess.Popen(
            [*common, f"-c{TRACE_CONNECTIONS}", "-s", str(post_script), f"{base}/api/trace"],
            stdout=subprocess.PIPE,
            text=True,
        ),
    }
    outputs = {key: process.communicate(timeout=SECONDS + 30)[0] for key, process in runs.items()}
    return {key: parse(output) for key, output in outputs.items()}


if __name__ == "__main__":
    for rendered in run():
        print(rendered.render())
