"""The site's confirmation dialog (frontend/js/src/confirm.js), as a person answers it."""

from playwright.sync_api import expect

WAIT = 20_000  # ms


def confirm_dialog(page):
    """The open confirmation dialog."""
    dialog = page.locator("dialog.confirm-dialog[open]")
    expect(dialog).to_be_visible(timeout=WAIT)
    return dialog


def answer(page, yes: bool):
    """Answer the open dialog: its action button, or Cancel. It closes."""
    dialog = confirm_dialog(page)
    dialog.locator(".confirm-yes" if yes else ".confirm-cancel").click()
    expect(page.locator("dialog.confirm-dialog")).to_have_count(0, timeout=WAIT)


def click_and_confirm(page, selector: str):
    """Click a button whose action cannot be undone and say yes when asked."""
    page.click(selector)
    answer(page, yes=True)
