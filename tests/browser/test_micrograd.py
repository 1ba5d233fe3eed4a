"""micrograd code in the lab: the presets play with their tours, prints reach the console strip, labels are
text, and Export → HTML gives the file that plays offline."""

from __future__ import annotations

from typing import Any

from tests.browser.lab import open_lab

NEURON_WITH_MARKUP = """from micrograd.engine import Value
x1 = Value(2.0, label='<b>x1</b>')
w1 = Value(-3.0, label='w1')
n = x1*w1 + Value(6.8813735870195432); n.label = 'x1*w1 & {n}'
o = n.tanh(); o.label = 'o'
print(f'before: {x1.grad:.1f}')
o.zero_grad()
o.backward()
print('after:', f'{x1.grad:.4f}', x1.label)
"""


def console_lines(page: Any) -> list[str]:
    return [" ".join(row.split()) for row in page.locator("#console .console-line").all_inner_texts()]


def test_the_readme_example_prints_micrograds_numbers_under_the_editor(page: Any) -> None:
    steps = open_lab(page, "preset=micrograd-readme")
    assert console_lines(page) == ["line 15 24.7041", "line 17 138.8338", "line 18 645.5773"]
    assert page.get_attribute("#console", "role") == "log"
    page.focus("#viewport")
    page.keyboard.press("End")
    page.wait_for_function("t => document.querySelector('#counter').textContent.startsWith(`Step ${t} of`)", arg=steps)
    names = page.locator("#graph .node[data-id]").evaluate_all("ns => ns.map((n) => n.getAttribute('aria-label'))")
    a_node = next(name for name in names if name.startswith("a,") or name.startswith("a "))
    assert "138.8" in a_node, a_node
    assert page.locator("#tour-next").count() == 1


def test_the_lectures_neuron_shows_labels_as_node_names_and_plays_its_tour(page: Any) -> None:
    open_lab(page, "preset=micrograd-neuron")
    titles = page.locator("#graph .node[data-id] .title").all_text_contents()
    assert any(title.startswith("x1*w1") for title in titles), titles
    assert any(title.startswith("o") for title in titles)
    page.click("#tour-next")
    page.wait_for_function("() => document.querySelector('#counter').textContent.startsWith('Step 9 of')")


def test_labels_with_markup_are_shown_as_text_and_notes_say_what_changes_nothing(page: Any) -> None:
    open_lab(page)
    page.fill("#source", NEURON_WITH_MARKUP)
    page.click("#run")
    page.wait_for_function("() => document.querySelectorAll('#console .console-line').length === 3")
    lines = console_lines(page)
    assert lines[0] == "line 6 before: 0.0"
    assert lines[1].startswith("line 7 zero_grad() changes nothing here")
    assert lines[2] == "line 9 after: -1.5000 <b>x1</b>"
    assert page.locator("#graph b, #console b, #inputs b").count() == 0
    titles = page.locator("#graph .node[data-id] .title").all_text_contents()
    assert any("<b>x1</b>" in title for title in titles), titles
    assert page.locator("#inputs label", has_text="<b>x1</b>").count() == 1
    page.focus("#viewport")
    page.keyboard.press("End")
    seen = []
    for _ in range(12):  # back through the steps: the label is set as text in the step's math
        seen.append("".join(page.inner_text("#math").split()))
        page.keyboard.press("ArrowLeft")
    assert any("x1*w1&{n}" in math for math in seen), seen


def test_export_html_downloads_a_file_that_holds_the_program(page: Any) -> None:
    open_lab(page, "preset=micrograd-readme")
    with page.expect_download() as caught:
        page.click("#export-html")
    download = caught.value
    assert download.suggested_filename == "backprop-micrograd-readme.html"
    text = open(download.path(), encoding="utf-8").read()
    assert text.lower().startswith("<!doctype html>") and "24.7041" in text
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('plays offline')")
