"""A live room in real classrooms: a teacher who reloads, students who step away, counts, a quiz that
keeps its answer from every student's page until the reveal, a room followed on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

DESKTOP = {"viewport": {"width": 1280, "height": 720}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@contextmanager
def contexts(browser: Any, server_url: str, *options: dict[str, Any]) -> Iterator[list[Any]]:
    opened = [browser.new_context(base_url=server_url, **option) for option in options]
    try:
        yield [context.new_page() for context in opened]
    finally:
        for context in opened:
            context.close()


def go_live(teacher: Any, query: str = "preset=cs231n") -> str:
    teacher.goto(f"/?{query}")
    teacher.wait_for_selector("#graph .node[data-id]")
    teacher.click("#live")
    teacher.wait_for_selector("#live-box:not([hidden])")
    return teacher.get_attribute("#live-link", "href")


def join(student: Any, link: str) -> None:
    student.goto(link)
    student.wait_for_selector("#graph .node[data-id]", state="attached")
    student.wait_for_function("() => document.getElementById('follow-text').textContent.startsWith('Following')")


def step_teacher(teacher: Any, position: int) -> None:
    teacher.evaluate("p => window.backpropLab.go(p)", position)


def at_step(page: Any, position: int) -> None:
    page.wait_for_function("p => window.backpropLab.state.position === p", arg=position, timeout=5000)


def count_reads(teacher: Any, text: str) -> None:
    teacher.wait_for_function("t => document.getElementById('live-count').textContent === t", arg=text, timeout=8000)


def test_the_teacher_reloads_mid_lecture_and_keeps_driving(browser: Any, server_url: str) -> None:
    with contexts(browser, server_url, DESKTOP, DESKTOP) as (teacher, student):
        link = go_live(teacher)
        code = teacher.text_content("#live-code")
        join(student, link)
        step_teacher(teacher, 3)
        at_step(student, 3)
        teacher.reload()
        teacher.wait_for_selector("#live-box:not([hidden])")
        assert teacher.text_content("#live-code") == code  # the same room, driven again
        assert teacher.is_visible("#end-live")
        step_teacher(teacher, 6)
        at_step(student, 6)
        # a second tab the teacher opens from this one drives the same room too
        with teacher.context.expect_page() as opened:
            teacher.evaluate("window.open(location.href)")
        second = opened.value
        second.wait_for_selector("#live-box:not([hidden])")
        assert second.text_content("#live-code") == code
        step_teacher(second, 8)
        at_step(student, 8)
        teacher.click("#end-live")
        student.wait_for_function("() => document.getElementById('follow-text').textContent.includes('ended')")
        teacher.reload()
        teacher.wait_for_selector("#graph .node[data-id]")
        assert teacher.is_hidden("#live-box")  # an ended room is not resumed


def test_a_students_own_step_detaches_visibly_and_the_teacher_sees_who_follows(browser: Any, server_url: str) -> None:
    with contexts(browser, server_url, DESKTOP, DESKTOP, DESKTOP) as (teacher, first, second):
        link = go_live(teacher)
        count_reads(teacher, "0 students following")
        join(first, link)
        count_reads(teacher, "1 student following")
        join(second, link)
        count_reads(teacher, "2 students following")
        step_teacher(teacher, 4)
        at_step(first, 4)
        first.locator("#viewport").click(position={"x": 5, "y": 5})
        first.keyboard.press("ArrowRight")  # the student's own step: away from the teacher, and said so
        at_step(first, 5)
        assert "stepped away" in first.text_content("#follow-text")
        assert first.get_attribute("#follow-box", "data-detached") is not None
        count_reads(teacher, "1 student following, 1 stepped away")
        step_teacher(teacher, 7)
        at_step(second, 7)
        first.wait_for_function("() => (window.backpropLab.state.live.latest || '').includes('step=7')")
        assert first.evaluate("window.backpropLab.state.position") == 5  # the teacher's steps wait
        first.click("#follow-toggle")
        at_step(first, 7)
        assert first.text_content("#follow-text").startswith("Following the teacher")
        count_reads(teacher, "2 students following")
        first.select_option("#preset", "fan-out")  # another example: the student's own exploring
        first.wait_for_function("() => window.backpropLab.state.response.source.startsWith('x = 3')")
        assert first.get_attribute("#follow-box", "data-detached") is not None
        first.click("#follow-toggle")  # back: the teacher's program and step again
        first.wait_for_function("() => window.backpropLab.state.response.source.includes('CS231n')")
        at_step(first, 7)
        second.close()
        count_reads(teacher, "1 student following")


def test_the_room_link_warns_when_it_points_at_this_computer_only(browser: Any, server_url: str) -> None:
    with contexts(browser, server_url, DESKTOP) as (teacher,):
        link = go_live(teacher)
        assert link.startswith(server_url)  # the test server listens on loopback only
        assert teacher.is_visible("#live-warning")
        assert "HOST=0.0.0.0" in teacher.text_content("#live-warning")
        assert teacher.get_attribute("#live-qr", "src").endswith("/qr.svg")


# a * b feeds d through c; the edge c → a contributes 0.73 × 2.91 = 2.1243, a number nowhere in the program
QUIZ = "a = 1.37\nb = 2.91\nc = a * b\nd = c * 0.73"
HIDDEN = re.compile(r"(?<![\d.])2\.12")  # 2.1243, 2.124, 2.12… but not a coordinate such as 262.12


def everything_on(page: Any) -> str:
    """All a student could read off their page: its text, every accessible name and title, and the math."""
    return page.evaluate("""() => [document.body.innerText,
      ...[...document.querySelectorAll('[aria-label], [title], [alt]')].map((e) =>
        [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('alt')].join(' ')),
      document.getElementById('math').textContent, document.getElementById('sentence').textContent,
      JSON.stringify(window.backpropLab.state.response)].join('\\n')""")


def test_a_quiz_room_keeps_the_hidden_number_off_every_students_page_until_the_reveal(
    browser: Any, server_url: str
) -> None:
    with contexts(browser, server_url, DESKTOP, DESKTOP) as (teacher, student):
        received: list[str] = []  # every WebSocket message and every answer from the server, as sent
        answers: list[Any] = []
        student.on("websocket", lambda ws: ws.on("framereceived", lambda frame: received.append(str(frame))))
        student.on("response", lambda response: answers.append(response) if "/static/" not in response.url else None)
        link = go_live(teacher, "source=" + quote(QUIZ))
        join(student, link)  # the class joins first; the teacher starts the quiz later
        teacher.click("#quiz")
        position = teacher.evaluate("""() => {
          const trace = window.backpropLab.state.response.trace;
          const a = trace.nodes.findIndex((n) => n.label === 'a');
          return trace.steps.findIndex((s) => s.pass === 'backward' && s.input === a) + 1;
        }""")
        step_teacher(teacher, position)
        assert teacher.is_visible("#quiz-box")
        at_step(student, position)
        student.wait_for_selector("#quiz-box:not([hidden])")
        student.wait_for_timeout(300)
        seen = everything_on(student)
        received += [answer.text() for answer in answers]
        assert any("withheld" in text for text in received)  # the room's trace came, redacted
        for text in [*received, seen, student.content()]:
            assert not HIDDEN.search(text), text[max(0, HIDDEN.search(text).start() - 200) :][:300]
        assert "0.73⋅2.91=?" in student.text_content("#math")  # the question: upstream × local, and "?"
        student.fill("#quiz-guess", "2.1243")
        student.click("#quiz-check")
        assert "is in" in student.text_content("#quiz-result")
        teacher.click("#quiz-reveal")
        student.wait_for_function("() => document.getElementById('quiz-result').textContent === 'Right!'")
        assert "2.124" in student.text_content("#sentence")


def test_a_room_link_opened_on_a_phone_follows_the_teacher(browser: Any, server_url: str) -> None:
    with contexts(browser, server_url, DESKTOP, PHONE) as (teacher, phone):
        link = go_live(teacher, "preset=sigmoid-neuron")
        join(phone, link)
        assert phone.is_hidden(".editor-pane")  # the teacher's frame, no editor in the way
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        for position in (3, 9, 16, 24):
            step_teacher(teacher, position)
            at_step(phone, position)
            assert phone.text_content("#counter") == teacher.text_content("#counter")
        phone.wait_for_timeout(400)
        inside = phone.evaluate("""() => {
          const node = document.querySelector('#graph .node.active').getBoundingClientRect();
          const pane = document.getElementById('viewport').getBoundingClientRect();
          return node.left >= pane.left - 1 && node.right <= pane.right + 1;
        }""")
        assert inside  # the node the teacher is on is in view
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "phone-following.png"))
        assert re.search(r"Step 24 of \d+", phone.text_content("#counter"))


def test_quiz_mode_on_one_page_hides_the_number_from_text_names_titles_and_the_live_region(page: Any) -> None:
    page.goto("/?source=" + quote(QUIZ))
    page.wait_for_selector("#graph .node[data-id]")
    page.click("#quiz")
    position = page.evaluate("""() => {
      const trace = window.backpropLab.state.response.trace;
      const a = trace.nodes.findIndex((n) => n.label === 'a');
      return trace.steps.findIndex((s) => s.pass === 'backward' && s.input === a) + 1;
    }""")
    page.evaluate("p => window.backpropLab.go(p)", position)
    page.wait_for_selector("#quiz-box:not([hidden])")
    page.wait_for_timeout(200)  # the formula is typeset on the next frame
    shown = page.evaluate("""() => [document.body.innerText,
      ...[...document.querySelectorAll('[aria-label], [title], [alt]')].map((e) =>
        [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('alt')].join(' ')),
      ...[...document.querySelectorAll('#graph title')].map((t) => t.textContent),
      document.getElementById('math').textContent, document.getElementById('sentence').textContent].join('\\n')""")
    assert not HIDDEN.search(shown), shown[max(0, HIDDEN.search(shown).start() - 200) :][:300]
    assert "gradient hidden until the quiz is answered" in page.get_attribute(
        "#graph .node.active[data-id='0']", "aria-label"
    )
    page.click("#quiz-reveal")
    page.wait_for_selector("#quiz-box", state="hidden")
    assert HIDDEN.search(page.text_content("#sentence"))
