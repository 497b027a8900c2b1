"""On a phone: no page scrolls sideways, no figure breaks inside its number, no titles collide."""

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

# The onboarding progress: neighbouring step titles whose text (not their boxes) comes closer than
# 4 px, about a space, so that two titles read as one ("CustomerDeployment").
CROWDED_STEP_TITLES = """() => {
    const spans = [...document.querySelectorAll('.wizard-step-title')]
        .filter(el => el.offsetWidth > 1);
    const range = document.createRange();
    const boxes = spans.map(el => {
        range.selectNodeContents(el);
        return range.getBoundingClientRect();
    });
    const crowded = [];
    for (let i = 1; i < boxes.length; i++) {
        if (boxes[i].left < boxes[i - 1].right + 4) {
            crowded.push([spans[i - 1].textContent, spans[i].textContent]);
        }
    }
    return crowded;
}"""


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


@pytest.mark.parametrize("width", [360, 320])
def test_no_page_scrolls_sideways_on_a_phone(page, demo_data, login, shot, width):
    login("partner", "lmp-demo-2026")
    paths = partner_pages(page)
    # The License and Onboarding tabs, the wizard, and per license (3): its page, its history
    # and 2 or more pages of its first customer.
    assert len(paths) >= 15, paths
    page.set_viewport_size({"width": width, "height": 800})
    wide, broken, crowded = {}, {}, {}
    for path in paths:
        page.goto(path)
        overflow = page.evaluate(PAGE_WIDER_THAN_SCREEN)
        if overflow > 0:
            wide[path] = overflow
            shot(re.sub(r"\W+", "-", path).strip("-") or "home")
        figures = page.evaluate(BROKEN_FIGURES)
        if figures:
            broken[path] = figures
        titles = page.evaluate(CROWDED_STEP_TITLES)
        if titles:
            crowded[path] = titles
    assert wide == {}, f"pages wider than a {width} px screen (px too wide): {wide}"
    assert broken == {}, f"figures broken inside a number at {width} px: {broken}"
    assert crowded == {}, f"onboarding step titles running together at {width} px: {crowded}"
