"""The dashboard's server: ``streamlit run serve.py`` serves ``app.py`` plus the session-cookie routes.

Streamlit (≥ 1.5x, ``st.App``) serves ``app.py`` as usual; this file adds two small HTTP routes that
set and clear the session cookie :data:`jkn_core.access.web_sessions.COOKIE_NAME` (``jkn_session``):

- ``GET /_jkn/session/adopt?code=...``: trades the one-time handoff code the app got at sign-in for a
  fresh random token (:func:`~jkn_core.access.web_sessions.adopt_handoff`) and sets it as the cookie;
- ``GET /_jkn/session/clear``: ends the session the cookie names (if still open) and deletes the cookie.

Both live under ``server.baseUrlPath`` when one is set (``/<base>/_jkn/session/...``, where
``pages.common.cookie_beacon`` asks for them), and the cookie's ``Path`` is then ``/<base>``.
At import, a bad ``JKN_TRUSTED_PROXIES`` (``jkn_core.access.proxies``) stops the server with one line.

The app asks the browser to fetch them with a hidden image (``pages.common.cookie_beacon``): no script,
so the Content-Security-Policy needs nothing beyond ``img-src 'self'``. The cookie is ``HttpOnly``
(page scripts cannot read it), ``SameSite=Strict``, ``Path=/`` (or the base path), ``Secure`` when the request came over
https (directly or ``X-Forwarded-Proto: https`` from the reverse proxy), and holds only the token.
Both routes answer only same-origin requests (``Sec-Fetch-Site: same-origin``), so another site
cannot sign a visitor in or out. ``streamlit run app.py`` still works, without the cookie: a reload
then signs the user out.
"""

from __future__ import annotations

import base64

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.runtime import Runtime

from jkn_core.access import proxies, web_sessions
from jkn_core.db import get_engine

try:  # a typo in the trusted proxies list stops the server at start, in one line
    proxies.trusted_proxies()
except ValueError as exc:
    raise SystemExit(str(exc)) from None

#: A transparent 1×1 GIF: the answer to the hidden image that fetched the route.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Content-Type-Options": "nosniff"}


def _https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _pixel(status: int = 200) -> Response:
    return Response(PIXEL, status_code=status, media_type="image/gif", headers=dict(_NO_STORE))


def _same_origin(request: Request) -> bool:
    return request.headers.get("sec-fetch-site", "") == "same-origin"


def base_path() -> str:
    """``server.baseUrlPath`` as a path prefix: ``""`` or ``"/<base>"`` (no trailing slash)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def cookie_path() -> str:
    """The cookie's ``Path``: the app's base path (``/`` without one)."""
    return base_path() or "/"


def _set_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    response.set_cookie(web_sessions.COOKIE_NAME, token, max_age=max_age, path=cookie_path(),
                        secure=_https(request), httponly=True, samesite="strict")


async def adopt(request: Request) -> Response:
    if not _same_origin(request):
        return _pixel(403)
    adopted = await run_in_threadpool(web_sessions.adopt_handoff, get_engine(), request.query_params.get("code", ""))
    if adopted is None:
        return _pixel(410)  # used, expired or unknown: the tab's session goes on without a cookie
    token, max_age = adopted
    response = _pixel()
    _set_cookie(response, request, token, max_age)
    return response


async def clear(request: Request) -> Response:
    if not _same_origin(request):
        return _pixel(403)
    token = request.cookies.get(web_sessions.COOKIE_NAME)
    if token:
        session_id = await run_in_threadpool(web_sessions.session_id_for_token, get_engine(), token)
        if session_id is not None:
            await run_in_threadpool(web_sessions.end_session, get_engine(), session_id, "signed_out")
    response = _pixel()
    response.delete_cookie(web_sessions.COOKIE_NAME, path=cookie_path(), secure=_https(request), httponly=True,
                           samesite="strict")
    return response


# app.py builds its navigation with st.navigation, but the page files live in a folder named pages/,
# which makes Streamlit treat the process's first script run as an old-style multipage app until
# app.py has called st.navigation once: the first visitor of a fresh process (a restart, a second
# process behind the proxy) whose address names a page got that page file run on its own, bypassing
# app.py (a blank page, since every page first asks for the signed-in scope) and the raw file list in
# the sidebar. Declaring the app a st.navigation app from the start removes that window.
PagesManager.uses_pages_directory = False


def wake_once(runtime: Runtime) -> None:
    """``Runtime._enqueued_some_message`` that wakes the event loop only when no flush is pending yet.

    Streamlit calls it after every message a script run enqueues (each ``st.*`` element is one):
    ``call_soon_threadsafe(need_send_data.set)``, a write to the loop's self-pipe and a wake-up of the
    loop per message, even while the flag is already set and the loop is about to flush every
    session's queue anyway. Under load (fifty sign-ins at once, each ~65 messages) that was ~1/10 of the
    server's CPU (BENCHMARKS.md, "Load"). Skipping the call while the flag is set loses nothing: the
    message is already in its session's queue, and a set flag means a flush cycle is still to start
    (it clears the flag first, then drains every queue). With the flag clear, the loop is woken as before.
    """
    async_objs = runtime._get_async_objs()
    if async_objs.need_send_data.is_set():  # a flush is pending: it will take this message too
        return
    async_objs.eventloop.call_soon_threadsafe(async_objs.need_send_data.set)


if callable(getattr(Runtime, "_enqueued_some_message", None)) and hasattr(Runtime, "_get_async_objs"):
    Runtime._enqueued_some_message = wake_once  # type: ignore[method-assign]


def routes() -> list[Route]:
    """The two cookie routes, under ``server.baseUrlPath`` (read when the server imports this file)."""
    return [Route(f"{base_path()}/_jkn/session/adopt", adopt), Route(f"{base_path()}/_jkn/session/clear", clear)]


app = st.App("app.py", routes=routes())
