"""The convoy board's browser steps, shared by the board's own test and the whole-day test."""

from __future__ import annotations


def board_ready(page) -> None:
    page.wait_for_function("document.body.dataset.boardReady === 'true'")


def board_saved(page, button) -> None:
    """Click a board form's button and wait for the board to come back with "Saved."."""
    with page.expect_navigation():
        button.click()
    board_ready(page)
    assert page.inner_text("[data-testid=board-flash]") == "Saved."


def board_refused(page, form, button) -> str:
    """Click a board form's button that is refused; return the reasons shown beside the form."""
    before = page.evaluate("document.body.dataset.formError || ''")
    button.click()
    page.wait_for_function(f"(document.body.dataset.formError || '') !== '{before}'")
    return form.locator(".form-errors").inner_text()
