"""Links read through the one URL table: the lab and the network page say what they could not read, once."""

from __future__ import annotations

from typing import Any


def test_a_link_of_a_later_version_gets_one_version_notice_in_the_tables_words(page: Any) -> None:
    page.goto("/?v=7&preset=cs231n&values=x:abc&step=zz")
    page.wait_for_selector("#graph .node[data-id]")
    notice = page.text_content("#notice")
    assert notice.count("version 7") == 1 and notice.count('values ("x:abc")') == 1
    assert 'step ("zz")' in notice


def test_a_network_link_is_read_by_the_table_and_written_back_without_its_defaults(page: Any) -> None:
    page.goto("/network?points=3&hidden=%D9%A1&dataset=moons&lr=0.1")
    page.wait_for_function("() => window.backpropNetwork.frame !== null")
    notice = page.text_content("#notice")
    assert 'points ("3")' in notice and 'hidden ("١")' in notice
    assert page.input_value("input[name=points]") == "200"
    assert page.url.endswith("/network?v=1&dataset=moons&lr=0.1")


def test_network_settings_that_do_not_fit_are_named_before_any_request(page: Any) -> None:
    page.goto("/network")
    page.wait_for_function("() => window.backpropNetwork.frame !== null")
    page.fill("input[name=points]", "3")
    page.dispatch_event("input[name=points]", "change")
    assert page.text_content("#status") == "Check Points: 3 is out of range."
