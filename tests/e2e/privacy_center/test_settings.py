"""The settings preview says what the engine then decides."""

from __future__ import annotations

import html
import re

from .center import World, call, field, partner_token, signed_in

EVERYTHING = ("profile", "contacts", "friends", "messages", "calendar")


def _form(
    csrf: str, action: str, share: bool, own: tuple[str, ...], via: tuple[str, ...]
) -> list[tuple[str, str]]:
    data = [("csrf_token", csrf), ("action", action)]
    if share:
        data.append(("share", "on"))
    data += [("own", c) for c in own]
    data += [("via", c) for c in via]
    return data


def _preview_lines(page: str) -> list[str]:
    box = re.search(r'<h2 id="preview-title">.*?<ul>(.*?)</ul>', page, re.S)
    assert box, page[:3000]
    return [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", box.group(1))]


def test_the_preview_of_switching_messages_off_is_what_the_engine_then_decides(
    world: World,
) -> None:
    alices = partner_token(world, "alice")
    assert call(world, alices, "/v1/messages").status_code == 200
    bobs = partner_token(world, "bob")
    before = call(world, bobs, "/v1/friends")
    assert before.status_code == 200, before.text
    browser = signed_in(world, "alice")
    csrf = browser.csrf("/me/settings")
    settings = world.services.people.get_settings("p-alice")
    own = tuple(c for c in EVERYTHING if c != "messages")
    via = tuple(c for c in EVERYTHING[1:] if c != "friends")
    preview = browser.post("/me/settings", _form(csrf, "preview", True, own, via))
    assert preview.status_code == 200
    lines = _preview_lines(preview.text)
    assert "Tunes Music will lose access to your messages." in lines
    left_out = [x for x in lines if x.startswith("You will be left out of the friend lists")]
    assert len(left_out) == 1
    assert "Tunes Music" in left_out[0]
    assert world.services.people.get_settings("p-alice") == settings  # a preview saves nothing
    # The form shows what was previewed, ready to save.
    assert 'id="own-messages" name="own" value="messages">' in preview.text
    saved = browser.post(
        "/me/settings", _form(field(preview.text, "csrf_token"), "save", True, own, via)
    )
    assert saved.status_code == 303
    refused = call(world, alices, "/v1/messages")
    assert refused.status_code == 403
    assert "settings.category_off" in refused.json()["reasons"]
    after = call(world, bobs, "/v1/friends")
    assert after.status_code == 200
    index = int(after.headers["log-index"])
    history = browser.get("/me/history?partner=tunes&category=friends").text
    row = re.search(rf'<tr data-log-index="{index}"[^>]*data-role="filtered"', history)
    assert row, "the friend-list read after the change filtered alice out"
    assert "you were filtered out" in history


def test_a_preview_with_nothing_changed_says_so(world: World) -> None:
    browser = signed_in(world, "dave")
    csrf = browser.csrf("/me/settings")
    current = world.services.people.get_settings("p-dave")
    form = _form(
        csrf,
        "preview",
        current.share_with_partners,
        tuple(sorted(current.categories)),
        tuple(sorted(current.via_others)),
    )
    lines = _preview_lines(browser.post("/me/settings", form).text)
    assert lines == ["Nothing changes for any partner right now."]


def test_a_preview_says_what_it_does_not_count(world: World) -> None:
    browser = signed_in(world, "dave")
    csrf = browser.csrf("/me/settings")
    current = world.services.people.get_settings("p-dave")
    assert "contacts" not in current.via_others
    form = _form(
        csrf,
        "preview",
        current.share_with_partners,
        tuple(sorted(current.categories)),
        (*sorted(current.via_others), "contacts"),
    )
    lines = _preview_lines(browser.post("/me/settings", form).text)
    assert len(lines) == 1
    assert lines[0].startswith("Partners of people who have you in their address book")
