"""The classroom in a real Chromium: a student's page follows the teacher's; the quiz checks guesses."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.lab import open_lab

pytestmark = pytest.mark.browser


def counter(page: Any) -> str:
    return page.text_content("#counter") or ""


def test_a_student_follows_the_teacher_step_by_step_and_can_step_away(browser: Any, server_url: str) -> None:
    teacher_context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=server_url)
    student_context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=server_url)
    try:
        teacher, student = teacher_context.new_page(), student_context.new_page()
        teacher.goto("/?preset=cs231n")
        teacher.wait_for_selector("#graph .node[data-id]")
        teacher.click("#live")
        teacher.wait_for_selector("#live-box:not([hidden])")
        student.goto(teacher.get_attribute("#live-link", "href"))
        student.wait_for_selector("#graph .node[data-id]")
        assert "Following the teacher" in student.text_content("#follow-box")
        teacher.locator("#viewport").click(position={"x": 5, "y": 5})
        for step in range(1, 6):
            teacher.keyboard.press("ArrowRight")
            student.wait_for_function(
                "s => document.querySelector('#counter').textContent.startsWith(`Step ${s} of`)", arg=step, timeout=5000
            )
            assert counter(student) == counter(teacher)
            assert student.evaluate("window.backpropLab.state.selected") == teacher.evaluate(
                "window.backpropLab.state.selected"
            )
        student.locator("#viewport").click(position={"x": 5, "y": 5})
        student.keyboard.press("d")
        student.keyboard.press("Home")
        teacher.keyboard.press("ArrowRight")
        teacher.keyboard.press("ArrowRight")
        # the teacher's step has reached the student's page, and the page stays where the student is
        student.wait_for_function("() => (window.backpropLab.state.live.latest || '').includes('step=7')")
        assert counter(student).startswith("Ready")  # exploring: the teacher's steps wait
        student.keyboard.press("d")
        student.wait_for_function("() => document.querySelector('#counter').textContent.startsWith('Step 7 of')")
        assert "Following the teacher" in student.text_content("#follow-box")
    finally:
        teacher_context.close()
        student_context.close()


def test_quiz_mode_accepts_a_right_guess_and_rejects_a_wrong_one(page: Any) -> None:
    open_lab(page, "preset=cs231n&step=6")
    page.click("#quiz")
    page.locator("#viewport").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")  # f → q: the contribution is 1 × (−4)
    assert page.is_visible("#quiz-box")
    assert page.text_content("#graph .edge-label") == "1 × (−4) = ?"
    page.fill("#quiz-guess", "−4")
    page.click("#quiz-check")
    assert page.text_content("#quiz-result") == "Right!"
    assert page.text_content("#graph .edge-label") == "1 × (−4) = −4"
    page.locator("#viewport").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")  # f → z: 1 × 3
    page.fill("#quiz-guess", "5")
    page.click("#quiz-check")
    assert page.text_content("#quiz-result").startswith("Not quite")
    assert page.text_content("#quiz-tally") == "Quiz: 1 right, 1 wrong"


def test_the_tour_moves_to_each_stop_and_highlights_its_node(page: Any) -> None:
    open_lab(page, "preset=cs231n")
    page.click("#tour-next")
    assert page.text_content("#tour-title") == "The add gate" and counter(page).startswith("Step 4 of")
    assert page.locator("#graph .node.selected").get_attribute("data-id") == "3"
    page.click("#tour-next")
    page.click("#tour-prev")
    assert page.text_content("#tour-title") == "The add gate"


def test_a_teachers_note_travels_with_the_link(page: Any, browser: Any, server_url: str) -> None:
    open_lab(page, "preset=cs231n&step=4")
    page.click("text=Your note for this step")
    page.fill("#my-note", "Ask the class for q first.")
    page.dispatch_event("#my-note", "change")
    page.wait_for_function("() => location.search.includes('notes=')")
    other = browser.new_context(base_url=server_url)
    try:
        fresh = other.new_page()
        fresh.goto(page.url)
        fresh.wait_for_selector("#graph .node[data-id]")
        assert fresh.text_content("#my-note-shown") == "Ask the class for q first."
    finally:
        other.close()
