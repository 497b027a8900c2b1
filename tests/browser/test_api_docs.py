"""The API's reference page in a browser: Swagger UI renders every operation from our own static
files, and the strict CSP reports no violation."""

from __future__ import annotations

from playwright.sync_api import expect


def test_the_reference_page_renders_the_operations_without_a_csp_violation(page, live_server, shot):
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url) if not request.url.startswith(live_server.url) else None
        ),
    )
    page.goto("/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("LMP partner API")
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = set(operations.all_inner_texts())
    assert "/api/v1/licenses/{license_pk}/customers/" in {p.replace("\u200b", "") for p in paths}
    assert page.locator(".opblock-patch").count() == 1
    shot("api-docs")
    violations = [line for line in console if "Content Security Policy" in line]
    assert violations == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
    assert outside == []
