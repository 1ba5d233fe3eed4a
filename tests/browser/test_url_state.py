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
    page.goto("/network?points=3&hidden=%D9%A1&dataset=moons&steps=20")
    page.wait_for_selector("#status:has-text('parameters')", timeout=30000)
    notice = page.text_content("#notice")
    assert 'points ("3")' in notice and 'hidden ("١")' in notice
    assert page.input_value("input[name=points]") == "100" and page.input_value("input[name=hidden]") == "16,16"
    assert page.url.endswith("/network?v=1&dataset=moons&steps=20")


def test_network_settings_that_do_not_fit_are_named_before_any_request(page: Any) -> None:
    page.goto("/network?steps=10")
    page.wait_for_selector("#status:has-text('parameters')", timeout=30000)
    page.fill("input[name=hidden]", "0, 4")
    page.click("#train")
    assert page.text_content("#status") == "Could not train: check Hidden layers."
