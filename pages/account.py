"""Account: who is signed in and with which scope; change your own password (current, new twice).

Every role may open it. While the password is a default one (a demo password on a real database, or a
temporary password an admin set) it is the only page the app offers.
"""

import streamlit as st

from jkn_core import access, display
from pages.common import engine, lang, require, t

scope = require("account")
st.title(t("page_account"))
st.caption(t("acc_intro"))

flash = st.session_state.pop("account_flash", None)
if flash:
    st.success(flash)

c1, c2 = st.columns(2)
c1.text_input(t("username"), value=scope.username, disabled=True, key="acc_username")
c2.text_input(t("acc_scope"), value=f"{t('role_' + scope.role)} · {display.scope_words(scope, lang())}", disabled=True,
              key="acc_scope_text")

st.subheader(t("acc_change"))
if st.session_state.get("auth_method") == "oidc":
    st.info(t("acc_oidc"))
    st.stop()

with st.form("change_password_form", clear_on_submit=True):
    current = st.text_input(t("acc_current"), type="password", key="acc_current")
    new = st.text_input(t("acc_new"), type="password", key="acc_new", max_chars=access.MAX_PASSWORD_LENGTH,
                        help=t("acc_rules").format(n=access.MIN_PASSWORD_LENGTH))
    repeat = st.text_input(t("acc_repeat"), type="password", key="acc_repeat",
                           max_chars=access.MAX_PASSWORD_LENGTH)
    st.caption(t("acc_rules").format(n=access.MIN_PASSWORD_LENGTH))
    submitted = st.form_submit_button(t("acc_change"), type="primary")

if submitted:
    try:
        # this session goes on under the new password; every other session of the user ends
        access.change_password(engine(), scope, current, new, repeat,
                               keep_session=st.session_state.get("web_session"))
    except access.PasswordRuleError as exc:
        st.error(t(f"pw_rule_{exc.code}").format(**exc.params))
    else:
        st.session_state["default_password"] = None
        st.session_state["account_flash"] = t("acc_changed")
        st.rerun()
