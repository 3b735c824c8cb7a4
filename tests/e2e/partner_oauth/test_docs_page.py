"""``/docs`` renders the API in a real browser (headless Chromium, JavaScript on) with every
file from the app itself, under the pages' strict Content-Security-Policy: no CDN, no violation."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .flow import World
from .test_browser_consent import CHROMIUM, DRIVER


@pytest.fixture
def scripted_browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium and chromium-driver for the page tests")
        pytest.skip("chromium and chromedriver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def test_the_api_documentation_renders_offline_under_the_policy(
    world: World, scripted_browser: webdriver.Chrome
) -> None:
    scripted_browser.get(world.url("/docs"))
    WebDriverWait(scripted_browser, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock")
    )
    title = scripted_browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
    assert title.startswith("consentgate")
    console = [entry["message"] for entry in scripted_browser.get_log("browser")]
    assert not [m for m in console if "Content Security Policy" in m], console
    requested = {
        json.loads(entry["message"])["message"]["params"]["request"]["url"]
        for entry in scripted_browser.get_log("performance")
        if '"Network.requestWillBeSent"' in entry["message"]
    }
    fetched = {url for url in requested if url.startswith(("http:", "https:"))}
    assert world.url("/static/swagger-ui/swagger-ui-bundle.js") in fetched
    assert all(url.startswith(world.base + "/") for url in fetched), fetched
