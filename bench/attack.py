"""Under attack: a visitor's latency while four clients send the costliest requests the limits allow.

`python -m bench.attack` runs it alone; `make bench` runs it with the others. Loopback only, bounded in
time (under two minutes): the app as `make run` starts it (`python -m app`, one worker per core, each
with its compute pool) with its default limits. A probe at 127.0.0.1 alternates `GET /` and a small
trace five times a second, alone for BASELINE_SECONDS, then for ATTACK_SECONDS while four attackers,
each from its own address (the limits count per peer address), loop over the costliest training,
network, gradient check, trace and page requests.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import re
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from app.settings import SETTINGS
from bench.report import Table, duration, ratio, verdict
from engine.lang import SourceError
from engine.lang import run as run_program
from tests.servers import running, workers

BASELINE_SECONDS, ATTACK_SECONDS = 10.0, 30.0
PROBE_INTERVAL, PROBE_TIMEOUT, ATTACK_TIMEOUT = 0.2, 10.0, 30.0
HOST, PROBE_ADDRESS, SETUP_ADDRESS = "127.0.0.1", "127.0.0.1", "127.0.0.6"
ATTACKER_ADDRESSES = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")
GOAL_SECONDS = 1.0
SMALL_PROGRAM = "x = 2\ny = 3\nq = x + y\nf = q * y\n"


@dataclass(frozen=True)
class Call:
    """One request: its name in the tables, method, path and JSON body."""

    name: str
    method: str
    path: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class Answer:
    """What one request got: an HTTP status, or "timeout" or the name of the connection error."""

    name: str
    started: float
    seconds: float
    status: int | str
    kind: str = ""  # the kind of a JSON error body
    message: str = ""


PROBE_CALLS = (
    Call("GET /", "GET", "/"),
    Call("POST /api/trace (small)", "POST", "/api/trace", {"source": SMALL_PROGRAM}),
)


def send(port: int, address: str, call: Call, timeout: float) -> Answer:
    """One request on a fresh connection from `address`; `timeout` bounds each wait on the socket."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(address, 0))
    body = None if call.body is None else json.dumps(call.body)
    headers = {} if body is None else {"content-type": "application/json"}
    started = time.perf_counter()
    payload, status = b"", "no answer"
    try:
        connection.request(call.method, call.path, body=body, headers=headers)
        response = connection.getresponse()
        payload, status = response.read(), response.status
    except TimeoutError:
        status = "timeout"
    except (OSError, http.client.HTTPException) as error:
        status = type(error).__name__
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    kind, message = ("", "") if status == 200 else _error_of(payload)
    return Answer(call.name, started, seconds, status, kind, message)


def _error_of(payload: bytes) -> tuple[str, str]:
    try:
        error = json.loads(payload)["error"]
        return str(error["kind"]), str(error["message"])
    except (ValueError, KeyError, TypeError):
        return "", ""


def trace_bomb() -> str:
    """Cheap to write, huge to run: a 100 × 100 broadcast multiplied by itself 200 times."""
    numbers = ", ".join(str(k) for k in range(100))
    rows = ", ".join("[1]" for _ in range(100))
    return f"a = [{numbers}]\nb = [{rows}]\nc = a * b\nd = {' * '.join(['c'] * 200)}\nf = sum(d)\n"


def train_program() -> str:
    lines = ["w = param(0.5)", "x = 1.5", "h0 = x * w"]
    lines += [f"h{i} = tanh(h{i - 1} * w + x) * 0.9 + x * w" for i in range(1, 150)]
    return "\n".join([*lines, "L = h149 * h149"]) + "\n"


def recurrence(lines: int) -> str:
    return "w = 0.5\nx = 1.5\nh0 = x\n" + "".join(
        f"h{i} = tanh(h{i - 1} * w + x) * 0.9 + x\n" for i in range(1, lines + 1)
    )


def largest_recurrence() -> tuple[int, str]:
    """The most recurrence lines the language accepts, and the limit that stops one more."""
    stopped_by = ""
    for lines in range(400, 0, -1):
        try:
            run_program(recurrence(lines))
            return lines, stopped_by
        except SourceError as error:
            stopped_by = error.kind
    raise RuntimeError("no recurrence fits the language's limits")


def gradient_check_program(inputs: int) -> str:
    products = " + ".join(f"x{i}*x{i + 1}" for i in range(inputs - 1))
    return "".join(f"x{i} = {i}.5\n" for i in range(inputs)) + f"f = {products}\n"


def largest_gradient_check() -> int:
    """The most inputs whose check (2n + 1 runs of the program) stays within the work budget."""
    for inputs in range(199, 1, -1):
        try:
            program = run_program(gradient_check_program(inputs))
        except SourceError:
            continue
        if (2 * inputs + 1) * program.work <= SETTINGS.max_train_work:
            return inputs
    raise RuntimeError("no gradient check fits the budget")


def network_call(steps: int) -> Call:
    return Call(
        "POST /api/network",
        "POST",
        "/api/network",
        {"dataset": "spiral", "points": 1000, "hidden": [64, 64], "steps": steps},
    )


def largest_train_steps(port: int, source: str) -> int:
    """The steps the budget allows, read from the refusal of 2,000 ("Ask for at most N steps")."""
    call = Call("POST /api/train", "POST", "/api/train", {"source": source, "lr": 0.01, "steps": 2000})
    answer = send(port, SETUP_ADDRESS, call, ATTACK_TIMEOUT)
    found = re.search(r"Ask for at most ([\d,]+) steps", answer.message)
    if found is None:
        if answer.status == 200:
            return 2000
        raise RuntimeError(f"training 2,000 steps answered {answer.status} {answer.kind}: {answer.message}")
    return int(found.group(1).replace(",", ""))


def largest_network_steps(port: int) -> int:
    """Halving from 5,000 until the network is not refused as too much work (that last one runs)."""
    steps = 5000
    while steps > 1:
        answer = send(port, SETUP_ADDRESS, network_call(steps), ATTACK_TIMEOUT)
        if (answer.status, answer.kind) != (400, "too-much-work"):
            return steps
        steps //= 2
    return steps


def attack_calls(port: int) -> tuple[list[Call], list[str]]:
    """The six costliest requests, sized against this server's budgets, and notes on their sizes."""
    train_source, bomb = train_program(), trace_bomb()
    train_steps, network_steps = largest_train_steps(port, train_source), largest_network_steps(port)
    inputs = largest_gradient_check()
    lines, stopped_by = largest_recurrence()
    layout = recurrence(lines)
    nodes = len(run_program(layout).trace().nodes)
    calls = [
        Call("POST /api/train", "POST", "/api/train", {"source": train_source, "lr": 0.01, "steps": train_steps}),
        network_call(network_steps),
        Call("POST /api/gradcheck", "POST", "/api/gradcheck", {"source": gradient_check_program(inputs)}),
        Call("POST /api/trace (bomb)", "POST", "/api/trace", {"source": bomb}),
        Call("POST /api/trace (layout)", "POST", "/api/trace", {"source": layout}),
        Call("GET /?source=<bomb>", "GET", "/?source=" + quote(bomb)),
    ]
    notes = [
        f"train: {train_source.count(chr(10))} lines, {train_steps} steps (the most the budget allows); "
        f"network: spiral, 1,000 points, [64, 64], {network_steps} steps; gradcheck: {inputs} inputs",
        f"layout: {lines} recurrence lines, {len(layout):,} characters, {nodes:,} nodes "
        f"(one more line: {stopped_by}); bomb: {len(bomb):,} characters",
    ]
    return calls, notes


def probe(port: int, seconds: float) -> list[Answer]:
    """One request every PROBE_INTERVAL, alternating GET / and the small trace; a late one is not caught up."""
    answers: list[Answer] = []
    calls = itertools.cycle(PROBE_CALLS)
    end = time.perf_counter() + seconds
    next_at = time.perf_counter()
    while next_at < end:
        time.sleep(max(0.0, next_at - time.perf_counter()))
        answers.append(send(port, PROBE_ADDRESS, next(calls), PROBE_TIMEOUT))
        next_at = max(next_at + PROBE_INTERVAL, time.perf_counter())
    return answers


def attack(port: int, address: str, calls: list[Call], stop_at: float, answers: list[Answer]) -> None:
    """Send `calls` in turn, each as soon as the previous one is answered, until `stop_at`."""
    for call in itertools.cycle(calls):
        if time.perf_counter() >= stop_at:
            return
        answers.append(send(port, address, call, ATTACK_TIMEOUT))


def probe_under_attack(port: int, calls: list[Call]) -> tuple[list[Answer], list[Answer]]:
    """The probe's answers during the attack, and every attacker's (each starts at its own request)."""
    stop_at = time.perf_counter() + ATTACK_SECONDS
    attackers: list[Answer] = []
    threads = [
        threading.Thread(target=attack, args=(port, address, calls[k:] + calls[:k], stop_at, attackers), daemon=True)
        for k, address in enumerate(ATTACKER_ADDRESSES)
    ]
    for thread in threads:
        thread.start()
    answers = probe(port, ATTACK_SECONDS)
    for thread in threads:
        thread.join()
    return answers, attackers


@dataclass
class Measurement:
    baseline: list[Answer]
    under: list[Answer]
    attackers: list[Answer]
    calls: list[Call]
    notes: list[str]
    before: set[int] = field(default_factory=set)
    after: set[int] = field(default_factory=set)
    log: str = ""


def measure() -> Measurement:
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "server.log"
        with running(
            Path(folder) / "links.sqlite3", like_make_run=True, environment={"BACKPROP_LOG_LEVEL": "info"}, log=log
        ) as live:
            server, port = live.process, live.port
            before = workers(server)
            calls, notes = attack_calls(port)
            probe(port, 2.0)  # warm-up: the first page computes and caches its trace
            baseline = probe(port, BASELINE_SECONDS)
            under, attackers = probe_under_attack(port, calls)
            after = workers(server)
            text = log.read_text(errors="replace")
    return Measurement(baseline, under, attackers, calls, notes, before, after, text)


def percentile(samples: list[float], q: float) -> float | None:
    """Nearest rank: the smallest sample with at least q % of the samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)] if ordered else None


def probe_table(result: Measurement) -> Table:
    table = Table(
        f"Under attack: probe latency alone ({BASELINE_SECONDS:g} s) and while four attackers send the "
        f"costliest requests ({ATTACK_SECONDS:g} s) (python -m app, loopback)",
        ["probe request", "statistic", "baseline", "under attack", "under / baseline", "goal", "result"],
    )
    for call in PROBE_CALLS:
        alone = [a for a in result.baseline if a.name == call.name]
        attacked = [a for a in result.under if a.name == call.name]
        for q, label in ((50, "p50"), (95, "p95"), (99, "p99"), (100, "max")):
            low = percentile([a.seconds for a in alone], q)
            high = percentile([a.seconds for a in attacked], q)
            goal, met = ("p99 < 1 s", verdict(high is not None and high < GOAL_SECONDS)) if q == 99 else ("", "")
            table.rows.append([call.name, label, duration(low), duration(high), ratio(high, low), goal, met])
        table.rows.append([call.name, "answered 200", _share_ok(alone), _share_ok(attacked), "", "", ""])
    table.notes.append(
        f"one request every {PROBE_INTERVAL:g} s from {PROBE_ADDRESS}, alternating; each on a fresh "
        f"connection, timeout {PROBE_TIMEOUT:g} s; p99 is the nearest rank (of few samples: near max)"
    )
    for label, answers in (("baseline", result.baseline), ("under attack", result.under)):
        other = Counter(f"{a.name} {a.status} {a.kind}".strip() for a in answers if a.status != 200)
        if other:
            table.notes.append(f"{label}, not 200: " + "; ".join(f"{k} ×{n}" for k, n in sorted(other.items())))
    return table


def _share_ok(answers: list[Answer]) -> str:
    return f"{sum(a.status == 200 for a in answers)}/{len(answers)}"


def attacker_table(result: Measurement) -> Table:
    statuses = sorted({a.status for a in result.attackers}, key=lambda s: (isinstance(s, str), str(s)))
    table = Table(
        f"Under attack: what the four attackers ({ATTACKER_ADDRESSES[0]}–{ATTACKER_ADDRESSES[-1][-1]}) "
        f"sent for {ATTACK_SECONDS:g} s and what they got",
        ["attacker request", "sent", *(str(s) for s in statuses), "p50", "max"],
    )
    for name in [call.name for call in result.calls] + ["all"]:
        answers = [a for a in result.attackers if name in ("all", a.name)]  # "all": every answer
        counts = Counter(a.status for a in answers)
        seconds = [a.seconds for a in answers]
        table.rows.append(
            [
                name,
                str(len(answers)),
                *(str(counts[s]) for s in statuses),
                duration(percentile(seconds, 50)),
                duration(percentile(seconds, 100)),
            ]
        )
    table.notes.extend(result.notes)
    kinds = Counter(f"{a.name} {a.status} {a.kind}" for a in result.attackers if a.status != 200 and a.kind)
    table.notes.append("errors: " + "; ".join(f"{k} ×{n}" for k, n in sorted(kinds.items())))
    table.notes.append(f"each attacker sends the next request as soon as one is answered; timeout {ATTACK_TIMEOUT:g} s")
    return table


def deaths_table(result: Measurement) -> Table:
    died_lines = re.findall(r"Child process \[(\d+)\] died", result.log)
    started = re.findall(r"Started server process \[(\d+)\]", result.log)
    died = result.before != result.after or bool(died_lines) or len(started) > len(result.before)
    table = Table("Under attack: did any app worker (uvicorn process) die?", ["", "before", "after", "died"])
    table.rows.append(
        [
            "worker pids",
            " ".join(map(str, sorted(result.before))),
            " ".join(map(str, sorted(result.after))),
            "yes" if died else "no",
        ]
    )
    table.notes.append(
        f"server log: {len(started)} 'Started server process', {len(died_lines)} 'Child process "
        f"[...] died', {result.log.count('Traceback')} tracebacks"
    )
    return table


def run_tables(result: Measurement) -> list[Table]:
    return [probe_table(result), attacker_table(result), deaths_table(result)]


def run() -> list[Table]:
    return run_tables(measure())


if __name__ == "__main__":
    for rendered in run():
        print(rendered.render(), end="\n\n")
