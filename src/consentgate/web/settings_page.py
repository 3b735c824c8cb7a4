"""The person's settings page (``/me/settings``): the master switch, sharing of their own data
per category, and per category whether partners of their friends may include them.

"Preview" decides the proposed settings with the real engine and shows the effect before
anything is saved (``services/preview.py``); "Save" stores them. Both are CSRF-checked posts;
neither needs JavaScript.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.domain import Category, PrivacySettings
from consentgate.errors import InvalidInput
from consentgate.oauth.requests import CapturedRequest
from consentgate.services.preview import SettingsPreview, people_around, preview_settings
from consentgate.services.wiring import Running, Services
from consentgate.web import words
from consentgate.web.people import SignedInDep, person_form, render
from consentgate.web.session import PersonSession
from consentgate.web.state import CookiesDep, RunningDep, ServicesDep

router = APIRouter(include_in_schema=False)


def _categories(captured: CapturedRequest, name: str) -> frozenset[Category]:
    values = [v for k, v in captured.form if k == name]
    try:
        return frozenset(Category(v) for v in values)
    except ValueError:
        raise InvalidInput(f"{name} holds an unknown category") from None


def proposed_settings(captured: CapturedRequest, person_id: str) -> PrivacySettings:
    """The settings the form asks for (an unticked box is absent: off)."""
    return PrivacySettings(
        person_id=person_id,
        share_with_partners=captured.form_value("share") == "on",
        categories=_categories(captured, "own"),
        via_others=_categories(captured, "via"),
    )


def preview_sentences(preview: SettingsPreview, names: dict[str, str]) -> list[str]:
    """The preview in plain sentences, one per partner or category."""

    def name(partner_id: str) -> str:
        return names.get(partner_id, partner_id)

    def owned(categories: tuple[str, ...]) -> str:
        return words.join_words([f"your {words.category(c)}" for c in categories])

    def partners(n: int) -> str:
        return "1 partner sees" if n == 1 else f"{n} partners see"

    out = [f"{name(p)} will lose access to {owned(c)}." for p, c in preview.lose.items()]
    out += [f"{name(p)} will get access to {owned(c)} again." for p, c in preview.regain.items()]

    def who(ids: tuple[str, ...]) -> str:
        return words.join_words([name(p) for p in ids])

    out += [
        f"You will be left out of the {words.CATEGORY_OF_OTHERS[c]} {partners(len(p))} ({who(p)})."
        for c, p in preview.left_out.items()
    ]
    out += [
        f"You will be included in the {words.CATEGORY_OF_OTHERS[c]} {partners(len(p))} ({who(p)})."
        for c, p in preview.let_in.items()
    ]
    return out or ["Nothing changes for any partner right now."]


def compute_preview(
    services: Services, running: Running, person_id: str, proposed: PrivacySettings
) -> SettingsPreview:
    decisions = running.decisions
    return preview_settings(
        decisions.index,
        decisions.engine,
        current=decisions.current,
        person_id=person_id,
        proposed=proposed,
        around=people_around(services.data_source, person_id),
        now=services.clock(),
    )


def _page(
    request: Request,
    session: PersonSession,
    services: Services,
    shown: PrivacySettings,
    extra: dict[str, Any],
) -> Response:
    return render(
        request,
        "me/settings.html",
        session,
        services,
        {"shown": shown, "categories": [c.value for c in Category], **extra},
    )


@router.get("/me/settings")
def settings_page(
    person: SignedInDep, request: Request, services: ServicesDep, saved: str | None = None
) -> Response:
    """The current settings, as a form."""
    current = services.people.get_settings(person.person_id)
    return _page(request, person.session, services, current, {"saved": saved == "1"})


@router.post("/me/settings")
async def settings_post(
    request: Request, services: ServicesDep, cookies: CookiesDep, running: RunningDep
) -> Response:
    """``action=preview``: show what would change; ``action=save``: store the settings."""
    posted = await person_form(request, services, cookies)
    captured, session, person_id = posted.captured, posted.session, posted.person_id
    proposed = proposed_settings(captured, person_id)
    action = captured.form_value("action")
    if action == "save":
        await run_in_threadpool(
            services.people.set_settings,
            person_id,
            share_with_partners=proposed.share_with_partners,
            categories=proposed.categories,
            via_others=proposed.via_others,
        )
        return RedirectResponse("/me/settings?saved=1", status_code=303)
    if action != "preview":
        raise InvalidInput("action must be preview or save")
    preview = await run_in_threadpool(compute_preview, services, running, person_id, proposed)
    sentences = preview_sentences(preview, services.privacy.partner_names())
    current = await run_in_threadpool(services.people.get_settings, person_id)
    if (Category.CONTACTS in current.via_others) != (Category.CONTACTS in proposed.via_others):
        # Address books are not shared both ways (services/preview.py), so this is not counted.
        note = (
            "Partners of people who have you in their address book: this preview does not count "
            "them, but the change applies to them too."
        )
        sentences = [*sentences, note] if not preview.unchanged else [note]
    return _page(request, session, services, proposed, {"preview": sentences})
