"""On a phone: no page scrolls sideways, no figure breaks inside its number, no titles collide."""

from __future__ import annotations

import re

import pytest

from tests.helpers.screens import BROKEN_FIGURES, PAGE_WIDER_THAN_SCREEN, partner_pages

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
