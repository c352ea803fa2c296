"""Who sees what: users, passwords, sign-in, the page registry, demo users (scopes: jkn_core.scope).

- :mod:`~jkn_core.access.passwords`: Argon2id hashing (salted, deliberately slow) and the library's own
  verify, never a comparison of hashes; the password length rules.
- :mod:`~jkn_core.access.users`: create, list, (de)activate users; :func:`scope_for` maps an OIDC
  e-mail to a scope.
- :mod:`~jkn_core.access.signin`: :func:`sign_in` / :func:`authenticate` turn a username and password
  into a :class:`~jkn_core.scope.Scope` (throttled by :mod:`~jkn_core.access.throttle`, every attempt
  audited with the client address and session, never the password).
- :mod:`~jkn_core.access.credentials`: password rules, own password change, admin reset, default
  (demo or temporary) passwords and which demo passwords the sign-in page may show.
- :mod:`~jkn_core.access.pages`: :data:`PAGES`, the page registry as data (page key -> roles allowed);
  the app asks :func:`allowed_pages` what to show and :func:`require_page` before rendering a page.
- :mod:`~jkn_core.access.demo_users`: one demo user per role (public passwords, demo databases only).
- :mod:`~jkn_core.access.session`: the idle time-out, :func:`check_web_session` (every interaction
  re-checks the session row and the user row: active, password, role, scope), :func:`resume_web_session`
  (a reload or another process resumes the session from its cookie) and the upload size limit.
- :mod:`~jkn_core.access.web_sessions`: the server-side sessions (``web_sessions``): open, cookie
  handoff, touch, end, end every session of a user.
- :mod:`~jkn_core.access.scope_text`: a scope in words ("Kantor Cabang Palembang (0301)").

The audit trail lives in :mod:`jkn_core.audit` (re-exported here as :func:`audit` and :func:`read_audit`);
``python -m jkn_core users ...`` is in :mod:`jkn_core.cli.users`. Nothing here imports streamlit.
"""

from __future__ import annotations

from jkn_core.access.credentials import (
    KNOWN_DEMO_PASSWORDS,
    PasswordRuleError,
    change_password,
    check_new_password,
    demo_passwords_to_show,
    must_change_password,
    reset_password,
)
from jkn_core.access.demo_users import DEMO_USERS, DemoUser, create_demo_users
from jkn_core.access.pages import PAGES, allowed_pages, require_page
from jkn_core.access.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password, verify_password
from jkn_core.access.scope_text import describe_scope
from jkn_core.access.session import (
    MAX_UPLOAD_MB,
    SESSION_TIMEOUT_MINUTES,
    ResumedSession,
    SessionCheck,
    check_session,
    check_web_session,
    database_reachable,
    is_database_outage,
    resume_web_session,
    session_expired,
    session_fingerprint,
)
from jkn_core.access.signin import SignInResult, authenticate, session_tag, sign_in
from jkn_core.access.users import (
    create_user,
    list_users,
    normalise_username,
    scope_for,
    set_user_active,
)
from jkn_core.audit import audit, read_audit
from jkn_core.schema import ROLES
from jkn_core.scope import ScopeError

__all__ = [
    "DEMO_USERS",
    "KNOWN_DEMO_PASSWORDS",
    "PasswordRuleError",
    "ResumedSession",
    "SessionCheck",
    "SignInResult",
    "check_web_session",
    "describe_scope",
    "resume_web_session",
    "change_password",
    "check_new_password",
    "check_session",
    "database_reachable",
    "demo_passwords_to_show",
    "is_database_outage",
    "must_change_password",
    "reset_password",
    "session_fingerprint",
    "session_tag",
    "sign_in",
    "MAX_PASSWORD_LENGTH",
    "MAX_UPLOAD_MB",
    "MIN_PASSWORD_LENGTH",
    "PAGES",
    "ROLES",
    "SESSION_TIMEOUT_MINUTES",
    "DemoUser",
    "ScopeError",
    "allowed_pages",
    "audit",
    "authenticate",
    "create_demo_users",
    "create_user",
    "hash_password",
    "list_users",
    "normalise_username",
    "read_audit",
    "require_page",
    "scope_for",
    "session_expired",
    "set_user_active",
    "verify_password",
]
