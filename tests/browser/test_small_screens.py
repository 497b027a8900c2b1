"""On a phone: no page scrolls sideways, and no figure of a license page breaks inside a number."""

from __future__ import annotations

import re

import pytest

# Wide tables scroll inside their own box (.table-responsive); the page itself must not.
PAGE_WIDER_THAN_SCREEN = "document.documentElement.scrollWidth - window.innerWidth"

# Figures whose text was broken over lines between two characters that are not a space: a number
# such as "1,990" shown as "1,99" above "0". Found by measuring each character's line (its top).
BROKEN_FIGURES = """() => [...document.querySelectorAll('.metric-value')].filter(el => {
    const text = el.firstChild;
    if (!text || text.nodeType !== Node.TEXT_NODE) return false;
    const range = document.createRange();
    let top = null;
    for (let i = 0; i < text.length; i++) {
        range.setStart(text, i); range.setEnd(text, i + 1);
        const rect = range.getBoundingClientRect();
        if (rect.width === 0) continue;
        if (top !== null && rect.top > top + 2 && text.data[i - 1] !== ' ') return true;
        top = rect.top;
    }
    return false;
}).map(el => el.textContent.trim())"""


def partner_pages(page) -> list[str]:
    """The partner's pages, found by following the portal's own links."""
    page.goto("/licenses/")
    licenses = page.locator(".license-card a.stretched-link").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    paths = ["/licenses/", "/onboarding/"]
    for href in licenses:
        paths += [href, f"{href}history/"]
        # The first customer's pages (its actions menu offers what the customer allows).
        page.goto(href)
        page.get_by_role("button", name=re.compile(r"^Actions for ")).first.click()
        menu = page.locator(".dropdown-menu.show").get_by_role("link")
        paths += menu.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return paths


@pytest.mark.parametrize("width", [360, 320])
def test_no_page_scrolls_sideways_on_a_phone(page, demo_data, login, shot, width):
    login("partner", "lmp-demo-2026")
    paths = partner_pages(page)
    assert len(paths) >= 14, paths  # 3 licenses: 2 pages each, 2+ per customer
    page.set_viewport_size({"width": width, "height": 800})
    wide, broken = {}, {}
    for path in paths:
        page.goto(path)
        overflow = page.evaluate(PAGE_WIDER_THAN_SCREEN)
        if overflow > 0:
            wide[path] = overflow
            shot(re.sub(r"\W+", "-", path).strip("-") or "home")
        figures = page.evaluate(BROKEN_FIGURES)
        if figures:
            broken[path] = figures
    assert wide == {}, f"pages wider than a {width} px screen (px too wide): {wide}"
    assert broken == {}, f"figures broken inside a number at {width} px: {broken}"
