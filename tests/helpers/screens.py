"""What a small screen must not do, measured in Chromium, and the partner pages to measure."""

from __future__ import annotations

import re

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
    paths = ["/licenses/", "/onboarding/", "/billing/"]
    page.goto("/onboarding/")
    wizard = page.get_by_role("link", name=re.compile(r"^Onboard a customer onto ")).first
    paths.append(wizard.get_attribute("href"))  # the wizard's first step, with its progress bar
    for href in licenses:
        paths += [href, f"{href}history/"]
        # The first customer's pages (its actions menu offers what the customer allows).
        page.goto(href)
        page.get_by_role("button", name=re.compile(r"^Actions for ")).first.click()
        menu = page.locator(".dropdown-menu.show").get_by_role("link")
        paths += menu.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return paths
