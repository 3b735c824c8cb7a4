"""A person signs in and consents in a real browser (headless Chromium) with JavaScript switched off.

The pages must work without JavaScript; the partner then redeems the code with Authlib's client.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from .flow import REDIRECT_URI, World, partner, query, start

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
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
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1000,900",
    ):
        options.add_argument(flag)
    # The pages must not need JavaScript: switch it off.
    options.add_experimental_option(
        "prefs", {"profile.managed_default_content_settings.javascript": 2}
    )
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def test_a_person_signs_in_and_allows_in_a_browser_without_javascript(
    world: World, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    client = partner(world)
    auth = start(world, client)
    browser.get(auth.url)
    assert "/login" in browser.current_url
    browser.find_element(By.NAME, "handle").send_keys("alice")
    browser.find_element(By.NAME, "password").send_keys("alice-test-pass")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: "/oauth/authorize" in d.current_url)
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "Tunes Music" in page
    assert "Share a song with a friend in a message" in page
    shot = tmp_path / "consent.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 5_000  # a rendered page, not a blank one
    # The partner's redirect URI is not served; the browser's address bar is what counts.
    browser.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.startswith(REDIRECT_URI))
    assert query(browser.current_url)["state"] == auth.state
    token = client.fetch_token(
        world.url("/oauth/token"),
        authorization_response=browser.current_url,
        code_verifier=auth.verifier,
    )
    context = world.services.tokens.resolve_bearer(token["access_token"])
    assert context is not None
    assert (context.person_id, context.partner_id) == ("p-alice", "tunes")


def test_deny_in_a_browser_sends_the_person_back_with_access_denied(
    world: World, browser: webdriver.Chrome
) -> None:
    client = partner(world)
    auth = start(world, client)
    browser.get(auth.url)
    browser.find_element(By.NAME, "handle").send_keys("bob")
    browser.find_element(By.NAME, "password").send_keys("bob-test-pass")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: "/oauth/authorize" in d.current_url)
    grants_before = len(world.services.grants.grants_of_person("p-bob"))
    # The partner's redirect URI is not served; the browser's address bar is what counts.
    browser.find_element(By.CSS_SELECTOR, "button[value=deny]").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.startswith(REDIRECT_URI))
    assert query(browser.current_url)["error"] == "access_denied"
    assert len(world.services.grants.grants_of_person("p-bob")) == grants_before
