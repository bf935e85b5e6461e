"""The customer's page over HTTP: GET /c/{token}, and its forms. No account and no cookie:
the signed link is the customer's key to their callback."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ringback import ratelimit
from ringback.customers import page
from ringback.customers.forms import form_token, form_token_valid, same_origin
from ringback.customers.i18n import Language, accepted_languages, language_for
from ringback.customers.links import link_key
from ringback.customers.page import NOTE_MAX_CHARACTERS, CustomerView, Day
from ringback.customers.rendering import (
    DOMAIN,
    DONE_WORDS,
    N_,
    SECURITY_HEADERS,
    STATE_WORDS,
    STATIC,
    TYPE_WORDS,
    last_digits,
    render,
)
from ringback.errors import RingbackError, invalid
from ringback.runtime import Runtime, RuntimeDep

router = APIRouter(include_in_schema=False)

# Refusals of the Callback API's rules, in the customer's words, and the field they concern.
SLOT_REFUSED = N_("That time cannot be booked any more. Please choose another.")
REFUSALS = {
    "slot-full": ("slot", N_("That time has just been taken. Please choose another.")),
    "outside-office-hours": ("slot", SLOT_REFUSED),
    "service-closed": ("slot", SLOT_REFUSED),
    "desired-time-too-soon": ("slot", SLOT_REFUSED),
    "desired-time-in-past": ("slot", SLOT_REFUSED),
    "beyond-booking-horizon": ("slot", SLOT_REFUSED),
    "slot-required": ("slot", N_("Please choose a time.")),
    "empty-note": ("note", N_("Please write your note first.")),
    "note-too-long": ("note", N_("Your note is too long. Please shorten it.")),
}


@router.get("/c/assets/page.css", name="customer_page_css")
async def page_css() -> Response:
    return FileResponse(
        STATIC / "page.css",
        media_type="text/css",
        headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"},
    )


@router.get("/c/{token}", name="customer_page")
async def customer_page(
    token: str, request: Request, runtime: RuntimeDep, day: str | None = None, done: str = ""
) -> Response:
    """The callback's page: where it stands, what was asked for, and what may be changed."""
    now = runtime.clock.now()
    key = await link_key(runtime.db, runtime.settings)
    view = await _view(runtime, token=token, key=key, now=now)
    if view is None:
        return _gone(request)
    language = _language(view, request)
    notice = language.gettext(DONE_WORDS[done]) if done in DONE_WORDS else None
    return _page(request, view, language, key, now, day=day, notice=notice)


@router.get("/c/{token}/cancel", name="customer_cancel")
async def confirm_cancel(token: str, request: Request, runtime: RuntimeDep) -> Response:
    """The confirmation step before a cancellation."""
    now = runtime.clock.now()
    key = await link_key(runtime.db, runtime.settings)
    view = await _view(runtime, token=token, key=key, now=now)
    if view is None:
        return _gone(request)
    if not view.can_cancel:
        return RedirectResponse(_page_url(request, token), status_code=303)
    language = _language(view, request)
    html = render(
        "cancel.html",
        language,
        css_url=_css_url(request),
        service_name=_service_name(view),
        page_url=_page_url(request, token),
        form=form_token(view.callback.id, key, now),
    )
    return HTMLResponse(html, headers=SECURITY_HEADERS)


@router.post("/c/{token}/move")
async def move(token: str, request: Request, runtime: RuntimeDep) -> Response:
    """Move a booked callback to another free slot."""
    return await _act(token, "move", request, runtime)


@router.post("/c/{token}/note")
async def note(token: str, request: Request, runtime: RuntimeDep) -> Response:
    """Leave a note for the agent who will call."""
    return await _act(token, "note", request, runtime)


@router.post("/c/{token}/cancel")
async def cancel(token: str, request: Request, runtime: RuntimeDep) -> Response:
    """Cancel the callback (the confirmation page posts here)."""
    return await _act(token, "cancel", request, runtime)


async def _act(token: str, action: str, request: Request, runtime: Runtime) -> Response:
    """One change from the page: checked (link, form, budget), done through the Callback
    API's use case, then back to the page (303), or the page again with the refusal."""
    now = runtime.clock.now()
    settings = runtime.settings
    key = await link_key(runtime.db, settings)
    async with runtime.db.transaction() as session:
        found = await page.find(
            session, token=token, key=key, now=now, link_days=settings.customer_link_days
        )
    if found is None:
        return _gone(request)
    callback_id = found[0].id
    form = await request.form(max_files=0, max_fields=5, max_part_size=8 * 1024)
    posted = {name: value for name, value in form.items() if isinstance(value, str)}
    genuine = same_origin(dict(request.headers), _origins(request, runtime))
    if not genuine or not form_token_valid(posted.get("form", ""), callback_id, key, now):
        return await _page_again(
            token, request, runtime, status=403, alert=ALERTS["form-expired"], posted=posted
        )
    # Per callback and per number (a number may have several callbacks), counted in a
    # transaction of their own: a refused change still spends its hits.
    budgets = [
        ratelimit.Budget(bucket, settings.customer_actions_per_hour, timedelta(hours=1), what)
        for bucket, what in (
            (f"customer-page:{callback_id}", "this callback's page"),
            (f"customer-page:{found[0].phone}", "this number's pages"),
        )
    ]
    async with runtime.db.transaction() as session:
        spent = [b for b in budgets if await ratelimit.count(session, b, now=now) > b.limit]
    if spent:
        refusal = ratelimit.refusal(spent[0], now)
        return await _page_again(
            token,
            request,
            runtime,
            status=429,
            alert=ALERTS["rate-limited"],
            posted=posted,
            headers=refusal.headers,
        )
    try:
        async with runtime.db.transaction() as session:
            await ACTIONS[action](session, callback_id, posted, now)
    except RingbackError as exc:
        if exc.code == "illegal-transition":
            return await _page_again(
                token, request, runtime, status=409, alert=ALERTS["changed"], posted=posted
            )
        if exc.code not in REFUSALS:
            raise
        field, message = REFUSALS[exc.code]
        return await _page_again(
            token, request, runtime, status=exc.status, errors={field: message}, posted=posted
        )
    return RedirectResponse(f"{_page_url(request, token)}?done={DONE[action]}", status_code=303)


async def _move(
    session: AsyncSession, callback_id: uuid.UUID, posted: dict[str, str], now: datetime
) -> None:
    await page.move(session, callback_id=callback_id, start=_slot(posted.get("slot")), now=now)


async def _note(
    session: AsyncSession, callback_id: uuid.UUID, posted: dict[str, str], now: datetime
) -> None:
    text = posted.get("note", "")
    if len(text) > NOTE_MAX_CHARACTERS:
        raise invalid("note-too-long", "the note is too long", field="note")
    await page.add_note(session, callback_id=callback_id, note=text, now=now)


async def _cancel(
    session: AsyncSession, callback_id: uuid.UUID, posted: dict[str, str], now: datetime
) -> None:
    await page.cancel(session, callback_id=callback_id, now=now)


Action = Callable[[AsyncSession, uuid.UUID, dict[str, str], datetime], Awaitable[None]]
ACTIONS: dict[str, Action] = {"move": _move, "note": _note, "cancel": _cancel}
DONE = {"move": "moved", "note": "note", "cancel": "cancelled"}
ALERTS = {
    "form-expired": N_("This form was open too long. Please try again."),
    "rate-limited": N_("Too many changes in a short time. Please wait a while and try again."),
    "changed": N_("Your callback has changed meanwhile, and this can no longer be done."),
}


def _slot(value: str | None) -> datetime:
    """The slot chosen: a start time as the page wrote it (UTC)."""
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        raise invalid("slot-required", "choose a time", field="slot") from None
    if start.tzinfo is None:
        raise invalid("slot-required", "choose a time", field="slot")
    return start


async def _page_again(
    token: str,
    request: Request,
    runtime: Runtime,
    *,
    status: int,
    alert: str | None = None,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The page as it is now, with why the change was not made."""
    now = runtime.clock.now()
    key = await link_key(runtime.db, runtime.settings)
    view = await _view(runtime, token=token, key=key, now=now)
    if view is None:
        return _gone(request)
    language = _language(view, request)
    response = _page(
        request,
        view,
        language,
        key,
        now,
        day=None,
        alert=language.gettext(alert) if alert else None,
        errors={field: language.gettext(message) for field, message in (errors or {}).items()},
        note=(posted or {}).get("note", "")[:NOTE_MAX_CHARACTERS],
    )
    response.status_code = status
    response.headers.update(headers or {})
    return response


def _page(
    request: Request,
    view: CustomerView,
    language: Language,
    key: bytes,
    now: datetime,
    *,
    day: str | None,
    notice: str | None = None,
    alert: str | None = None,
    errors: dict[str, str] | None = None,
    note: str = "",
) -> HTMLResponse:
    callback, zone = view.callback, view.zone
    token_url = _page_url(request, request.path_params["token"])
    chosen = _chosen_day(view, day)
    wait = None
    expected_time = ""
    position = view.position
    if position is not None and position.estimated_wait is not None:
        wait = language.wait(position.estimated_wait)
        if position.estimated_time is not None:
            expected_time = language.time(position.estimated_time, zone)
    due = callback.due_at or callback.slot_start or callback.desired_time
    html = render(
        "page.html",
        language,
        css_url=_css_url(request),
        service_name=_service_name(view),
        page_url=token_url,
        view=view,
        state_words=language.gettext(STATE_WORDS[callback.state]),
        type_words=language.gettext(TYPE_WORDS[callback.type]),
        digits=last_digits(callback.phone),
        wait=wait,
        expected_time=expected_time,
        booked=language.moment(due, zone),
        due_iso=due.isoformat(),
        zone_name=language.zone(zone),
        created=language.moment(callback.created_at, zone),
        created_iso=callback.created_at.isoformat(),
        days=[
            {
                "value": d.day.isoformat(),
                "label": language.short_day(d.day),
                "current": chosen is not None and d.day == chosen.day,
            }
            for d in view.days
        ],
        chosen_day=language.day_of(chosen.day) if chosen else "",
        slots=[
            {"value": start.isoformat(), "label": language.time(start, zone)}
            for start in (chosen.slots if chosen else [])
        ],
        form=form_token(callback.id, key, now),
        notice=notice,
        alert=alert,
        errors=errors or {},
        note=note,
        note_max=NOTE_MAX_CHARACTERS,
    )
    return HTMLResponse(html, headers=SECURITY_HEADERS)


async def _view(runtime: Runtime, *, token: str, key: bytes, now: datetime) -> CustomerView | None:
    """What the page of a live link shows; None for any link that does not work."""
    async with runtime.db.transaction() as session:
        found = await page.find(
            session, token=token, key=key, now=now, link_days=runtime.settings.customer_link_days
        )
        if found is None:
            return None
        return await page.view(session, callback=found[0], found_in=found[1], now=now)


def _chosen_day(view: CustomerView, day: str | None) -> Day | None:
    if not view.days:
        return None
    try:
        wanted = date.fromisoformat(day) if day else None
    except ValueError:
        wanted = None
    return next((d for d in view.days if d.day == wanted), view.days[0])


def _gone(request: Request) -> HTMLResponse:
    """The same page for a link that is malformed, tampered with, unknown or expired."""
    language = language_for(
        accepted_languages(request.headers.get("accept-language")), domain=DOMAIN
    )
    html = render("gone.html", language, css_url=_css_url(request), service_name="")
    return HTMLResponse(html, status_code=404, headers=SECURITY_HEADERS)


def _language(view: CustomerView, request: Request) -> Language:
    """The callback's language; the browser's when the request gave none."""
    asked = view.callback.customer_language
    tags = [asked] if asked else accepted_languages(request.headers.get("accept-language"))
    return language_for(tags, domain=DOMAIN)


def _service_name(view: CustomerView) -> str:
    return view.service.config.display_name or view.service.name


def _page_url(request: Request, token: str) -> str:
    return request.url_for("customer_page", token=token).path


def _css_url(request: Request) -> str:
    return request.url_for("customer_page_css").path


def _origins(request: Request, runtime: Runtime) -> set[str]:
    """The origins the page's forms may be posted from: this request's and the public URL's."""
    own = str(request.base_url).rstrip("/")
    origins = {_origin(own)}
    if runtime.settings.public_url:
        origins.add(_origin(runtime.settings.public_url))
    return origins


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
