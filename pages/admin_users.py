"""Admin: users (no hashes shown), create a user with a role and its scope, activate / deactivate, reset a password."""

import streamlit as st

from jkn_core import access, kpi
from jkn_core.text import plain
from pages.common import engine, require, show_table, t

scope = require("admin_users")
st.title(t("page_admin_users"))
st.caption(t("adm_users_intro"))

flash = st.session_state.pop("users_flash", None)
if flash:
    (st.success if flash[0] == "success" else st.error)(plain(flash[1]))  # usernames are data: plain text


def role_label(role: str) -> str:
    return f"{t('role_' + role)} ({role})"


# --- the list ---------------------------------------------------------------------------------------
st.subheader(t("adm_users_list"))
users = access.list_users(engine())  # never holds password hashes
st.caption(t("adm_users_count").format(n=len(users), active=int(users["active"].sum()) if len(users) else 0))
show_table(users, "users_table", kinds={"active": "bool"},
           headers={"username": t("adm_col_username"), "role": t("adm_role"), "region_code": t("adm_region"),
                    "branch_code": t("adm_branch"), "bank": t("adm_bank"), "active": t("adm_col_active"),
                    "created_at": t("adm_col_created")})

# --- create -----------------------------------------------------------------------------------------
st.subheader(t("adm_new_user"))
h = kpi.hierarchy(engine(), scope)
regions = h.drop_duplicates("region_code")[["region_code", "region_name"]] if len(h) else h
branches = h.drop_duplicates("branch_code")[["branch_code", "branch_name", "region_code"]] if len(h) else h
region_names = dict(zip(regions["region_code"], regions["region_name"], strict=True)) if len(h) else {}
branch_names = dict(zip(branches["branch_code"], branches["branch_name"], strict=True)) if len(h) else {}

role = st.selectbox(t("adm_role"), access.ROLES, format_func=role_label, key="new_role")
with st.form("new_user_form", clear_on_submit=False):
    username = st.text_input(t("adm_col_username"), key="new_username", max_chars=64)
    password = st.text_input(t("password"), type="password", key="new_password",
                             help=t("adm_password_hint").format(n=access.MIN_PASSWORD_LENGTH))
    region = branch = bank = None
    if role in ("deputi_wilayah", "bank_officer"):
        region = st.selectbox(t("adm_region"), list(region_names), key="new_region",
                              format_func=lambda c: f"{c} · {region_names[c]}")
    elif role == "kantor_cabang":
        branch = st.selectbox(t("adm_branch"), list(branch_names), key="new_branch",
                              format_func=lambda c: f"{c} · {branch_names[c]}")
    else:
        st.caption(t("adm_role_scope_national"))
    if role == "bank_officer":
        bank = st.text_input(t("adm_bank"), key="new_bank", max_chars=40)
    submitted = st.form_submit_button(t("adm_create"), type="primary")

if submitted:
    try:
        access.create_user(engine(), username, password, role, region_code=region, branch_code=branch,
                           bank=bank or None, actor=scope)
    except ValueError as exc:
        st.session_state["users_flash"] = ("error", t("adm_create_failed").format(reason=exc))
    else:
        st.session_state["users_flash"] = ("success", t("adm_created").format(
            user=username.strip().lower(), role=role))
    st.rerun()  # redraw the list with the new user

# --- activate / deactivate --------------------------------------------------------------------------
st.subheader(t("adm_activation"))
if len(users):
    who = st.selectbox(t("adm_pick_user"), users["username"].tolist(), key="act_user")
    c1, c2 = st.columns(2)
    if c1.button(t("adm_deactivate"), key="act_off"):
        if who == scope.username:
            st.session_state["users_flash"] = ("error", t("adm_not_self"))
        else:
            access.set_user_active(engine(), who, False, actor=scope)
            st.session_state["users_flash"] = ("success", t("adm_deactivated").format(user=who))
        st.rerun()
    if c2.button(t("adm_activate"), key="act_on"):
        access.set_user_active(engine(), who, True, actor=scope)
        st.session_state["users_flash"] = ("success", t("adm_activated").format(user=who))
        st.rerun()

# --- reset a password -------------------------------------------------------------------------------
st.subheader(t("adm_reset"))
st.caption(t("adm_reset_intro"))
if len(users):
    with st.form("reset_password_form", clear_on_submit=True):
        target = st.selectbox(t("adm_pick_user"), users["username"].tolist(), key="reset_user")
        temp = st.text_input(t("adm_reset_password"), type="password", key="reset_password",
                             help=t("acc_rules").format(n=access.MIN_PASSWORD_LENGTH))
        temp2 = st.text_input(t("adm_reset_repeat"), type="password", key="reset_repeat")
        reset = st.form_submit_button(t("adm_reset_button"))
    if reset:
        if target == scope.username:
            st.session_state["users_flash"] = ("error", t("adm_reset_not_self"))
        else:
            try:
                access.reset_password(engine(), target, temp, actor=scope, repeat=temp2)
            except access.PasswordRuleError as exc:
                st.session_state["users_flash"] = ("error", t("adm_reset_failed").format(
                    reason=t(f"pw_rule_{exc.code}").format(**exc.params)))
            else:
                st.session_state["users_flash"] = ("success", t("adm_reset_done").format(user=target))
        st.rerun()
