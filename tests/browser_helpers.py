"""Checks and steps shared by the browser tests."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.factories import PASSWORD

HOME_HEADING = re.compile(r"^Xin chào, ")


def login(page, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in with the form (opened unless it is on screen) and wait for the page the login
    leads to, its ``next`` or else the home page: the navigation done, its heading shown (on
    the home page "Xin chào, …"), and the offline script's first requests finished, since the
    cookie session is last-writer-wins and a form opened meanwhile could lose its CSRF secret."""
    if "/login" not in page.url:
        page.goto(f"{base}/login")
    target = parse_qs(urlsplit(page.url).query).get("next", ["/"])[0]
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(base + target)
    heading = page.get_by_role("heading", level=1)
    if target == "/":
        expect(heading).to_have_text(HOME_HEADING)
    else:
        expect(heading).to_be_visible()
    page.wait_for_load_state("networkidle")


#: visible elements smaller than 44×44 px (a checkbox counts as its label)
SMALL_TARGETS_JS = """
() => {
  const small = [];
  const seen = new Set();
  for (let el of document.querySelectorAll('a[href], button, input, select, textarea')) {
    if (el.type === 'hidden') continue;
    if (el.type === 'checkbox' || el.type === 'radio') el = el.closest('label') || el;
    if (seen.has(el)) continue;
    seen.add(el);
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
    if (el.classList.contains('skip')) continue;  // the skip link shows only on focus
    if (box.height < 44 || box.width < 44) {
      small.push(`${el.tagName} "${(el.textContent || el.name || '').trim().slice(0, 40)}" `
        + `${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}
"""
