"""``/docs`` in Chromium: Swagger UI renders and calls the API with nothing from elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect
from tests.e2e.desktop.conftest import ARTIFACTS, DesktopServer

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# Content-Security-Policy refusals, as the page itself sees them.
WATCH_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_the_api_documentation_runs_from_the_node_alone(
    browser: Browser, desktop: DesktopServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    complaints: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            complaints.append(f"{message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: complaints.append(f"page error: {error}"))
    page.add_init_script(WATCH_VIOLATIONS)
    try:
        page.goto(f"{desktop.url}/docs")
        # The page's title; the tags' headings mention Ringback in their descriptions too.
        expect(page.get_by_role("heading", level=1, name="Ringback")).to_be_visible()
        for path in ("/api/v1/callbacks", "/api/v1/workspace/session", "/healthz"):
            expect(page.locator(f".opblock-summary-path[data-path='{path}']").first).to_be_visible()

        # Authorise with an API key, then try an operation out: the page calls the API it
        # documents, on the same origin.
        page.locator(".auth-wrapper").get_by_role("button", name="Authorize").click()
        scheme = page.locator(".modal-ux .auth-container").filter(has_text="HTTPBearer")
        scheme.locator("input").fill(desktop.keys["all"])
        scheme.get_by_role("button", name="Apply credentials").click()
        expect(scheme.get_by_role("button", name="Remove authorization")).to_be_visible()
        page.locator(".modal-ux .close-modal").click()
        services = page.locator(".opblock-get").filter(
            has=page.locator(".opblock-summary-path[data-path='/api/v1/services']")
        )
        services.locator(".opblock-summary").click()
        services.get_by_role("button", name="Try it out").click()
        services.get_by_role("button", name="Execute").click()
        answer = services.locator(".live-responses-table tr.response")
        expect(answer.locator(".response-col_status")).to_have_text("200")
        expect(answer.locator(".response-col_description")).to_contain_text('"name": "cards"')
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "api-docs.png", full_page=False)

    assert page.evaluate("window.violations") == []
    assert complaints == []
    own = urlsplit(desktop.url).netloc
    assert {urlsplit(url).netloc for url in requested} == {own}, requested
    assert f"{desktop.url}/docs/assets/swagger-ui-bundle.js" in requested
    assert f"{desktop.url}/openapi.json" in requested
    assert f"{desktop.url}/api/v1/services" in requested
    context.close()
