"""``/docs`` renders the API in a real browser (JavaScript on) with every file from the app
itself, under the pages' strict Content-Security-Policy: no CDN, no violation."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, ConsoleMessage, Request

from .conftest import Demo


def test_the_api_documentation_renders_offline_under_the_policy(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context().new_page()
    console: list[str] = []
    fetched: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        console.append(message.text)

    def on_request(request: Request) -> None:
        fetched.append(request.url)

    page.on("console", on_console)
    page.on("request", on_request)
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .opblock")
    assert page.inner_text(".swagger-ui .info .title").startswith("consentgate")
    assert not [m for m in console if "Content Security Policy" in m], console
    web = [url for url in fetched if url.startswith(("http:", "https:"))]
    assert demo.url("/static/swagger-ui/swagger-ui-bundle.js") in web
    assert all(url.startswith(demo.base + "/") for url in web), web
