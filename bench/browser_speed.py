"""Browser benchmarks in Debian's Chromium: animation frame times with 500 nodes, slider round trips (the
network page's live frames are bench/network_fps.py's)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from bench.report import MISSING, Table, verdict
from tests.browser.conftest import CHROMIUM
from tests.browser.conftest import CHROMIUM_ARGS as ARGS

STATEMENTS = 101  # five nodes each (two constants, ×, +, tanh): just over 500 visible nodes
FRAME_GOAL_MS = 16.7
JITTER_MS = 1.0  # frame timestamps wobble around the 60 Hz period: 16.8 ms is on time, 33 ms is a dropped frame
SLIDER_GOAL_MS = 50.0

# Records the gap between animation frames while the lab plays at its fastest speed.
FRAME_PROBE = """async ([steps]) => {
  const lab = window.backpropLab;
  const gaps = [];
  let last = performance.now();
  let running = true;
  const frame = (now) => { gaps.push(now - last); last = now; if (running) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  for (let i = 1; i <= steps; i += 1) {
    lab.go(i);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  running = false;
  return gaps.slice(2);
}"""

# Changes a leaf through its number field and waits for the graph to show the new output value.
SLIDER_PROBE = """async ([value]) => {
  const lab = window.backpropLab;
  const input = document.getElementById("input-x");
  const start = performance.now();
  input.value = String(value);
  input.dispatchEvent(new Event("change"));
  while (lab.state.response.trace.nodes[0].value !== value) await new Promise(requestAnimationFrame);
  await new Promise(requestAnimationFrame);
  return performance.now() - start;
}"""


def big_program() -> str:
    # Local constants, not shared leaves: a leaf used by every line would draw edges across the whole
    # graph, and dot's running time grows with the square of such long edges.
    lines = ["v0 = 0.5"] + [f"v{i} = tanh(v{i - 1} * 0.9 + 0.1)" for i in range(1, STATEMENTS)]
    return "\n".join(lines) + "\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(url: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(f"{url}/")
        page.wait_for_selector("#graph .node")
        page.fill("#source", big_program())
        page.evaluate("() => { window.backpropLab.state.folded = []; return window.backpropLab.run(); }")
        page.wait_for_function("() => document.querySelectorAll('#graph .node').length > 500", timeout=60000)
        nodes = page.locator("#graph .node").count()
        gaps = page.evaluate(FRAME_PROBE, [300])
        page.goto(f"{url}/?preset=cs231n")
        page.wait_for_selector("#graph .node")
        page.evaluate(SLIDER_PROBE, [0.5])  # warm the layout cache
        slider = [page.evaluate(SLIDER_PROBE, [1.0 + k / 8]) for k in range(40)]
        browser.close()
    return {"nodes": nodes, "gaps": gaps, "slider": slider}


def run() -> list[Table]:
    table = Table("Browser (Debian Chromium, headless)", ["case", "measure", "p50", "p95", "goal", "result"])
    if not Path(CHROMIUM).exists():
        table.notes.append(f"{CHROMIUM} {MISSING}")
        return [table]
    from bench.api_speed import serving

    with serving() as url:
        result = measure(url)
    gaps, slider = result["gaps"], result["slider"]
    frame_p95 = percentile(gaps, 0.95)
    dropped = sum(gap > 1.5 * FRAME_GOAL_MS for gap in gaps)
    slider_p95 = percentile(slider, 0.95)
    table.rows.append(
        [
            f"playback, {result['nodes']} visible nodes, one step per 50 ms",
            "frame gap (rAF)",
            f"{statistics.median(gaps):.1f} ms",
            f"{frame_p95:.1f} ms",
            f"p95 ≤ {FRAME_GOAL_MS} ms",
            verdict(frame_p95 <= FRAME_GOAL_MS + JITTER_MS),
        ]
    )
    table.rows.append(
        [
            "value change on the CS231n circuit",
            "input → new numbers shown",
            f"{statistics.median(slider):.1f} ms",
            f"{slider_p95:.1f} ms",
            f"p95 < {SLIDER_GOAL_MS:g} ms",
            verdict(slider_p95 < SLIDER_GOAL_MS),
        ]
    )
    table.notes.append(
        f"{len(gaps)} frames over 300 steps, {dropped} of them late by half a frame or more; "
        f"{len(slider)} value changes, layout cache warm"
    )
    return [table]
