"""User data is text, never markup (issue 18, finding 6).

A participant, facility or branch named like a Markdown image (``![x](http://host/…)``) made every
viewer's browser fetch that address when the work queue or the SIF page opened, because names were
put into Markdown elements (subheaders, captions, ``st.markdown``). The hostile names are written
into a writable copy of the small world; every Markdown-bearing element the page draws must show
them escaped (``jkn_core.text.plain``), never as a live image or link.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from jkn_core import display
from jkn_core.text import ZWSP, plain
from tests.apptest import sign_in
from tests.conftest import ROOT

HOST = "hostile.example"
IMAGE = f"![x](http://{HOST}/pixel.png)"
HOSTILE_PERSON = f"Yuliana {IMAGE}"
HOSTILE_FACILITY = f"Klinik {IMAGE} <img src=http://{HOST}/h.png> :red[merah]"
HOSTILE_BRANCH = f"Cabang [klik](http://{HOST}/link) $x^2$"

#: An unescaped image or link: ``![`` or ``](`` not preceded by a backslash.
_LIVE = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(")


@pytest.fixture
def hostile_world(monkeypatch: pytest.MonkeyPatch, writable_sqlite_world: Any) -> Any:
    with writable_sqlite_world.engine.begin() as conn:
        conn.execute(text("UPDATE participants SET name = :n"), {"n": HOSTILE_PERSON})
        conn.execute(text("UPDATE facilities SET name = :n"), {"n": HOSTILE_FACILITY})
        conn.execute(text("UPDATE branches SET name = :n"), {"n": HOSTILE_BRANCH})
    monkeypatch.setenv("JKN_DATABASE_URL", writable_sqlite_world.url)
    monkeypatch.chdir(ROOT)
    return writable_sqlite_world


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def _markdown_texts(at: Any) -> list[tuple[str, str]]:
    """(element type, text) of everything the main area draws as Markdown: bodies of markdown,
    captions, headings, alerts; labels, values and help of metrics and widgets."""
    out: list[tuple[str, str]] = []
    for node in _walk(at.main):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        kind = getattr(node, "type", type(node).__name__)
        if kind in ("dataframe", "arrow_data_frame", "text", "code", "plotly_chart"):
            continue  # table cells, st.text and code are never Markdown
        for field in ("body", "label", "help", "value", "delta"):
            value = getattr(proto, field, None)
            if isinstance(value, str) and value:
                out.append((kind, value))
    return out


def _assert_no_live_markup(at: Any) -> list[tuple[str, str]]:
    assert not at.exception, [e.value for e in at.exception]
    texts = _markdown_texts(at)
    live = [(kind, body) for kind, body in texts if _LIVE.search(body) or f"<img src=http://{HOST}" in body]
    assert not live, f"data rendered as Markdown: {live}"
    return texts


def test_plain_escapes_every_markdown_and_html_meaning() -> None:
    assert plain("Siti Nurhaliza") == "Siti Nurhaliza"
    assert plain(IMAGE).replace(ZWSP, "") == r"\!\[x\]\(http\://hostile\.example/pixel\.png\)"
    assert plain("<img src=x onerror=alert(1)>") == r"\<img src\=x onerror\=alert\(1\)\>"
    assert plain(":red[x] $y$ **b** `c` # h").replace(ZWSP, "") == r"\:red\[x\] \$y\$ \*\*b\*\* \`c\` \# h"
    assert plain("a\nb\r\n# c\u202e") == r"a b \# c"  # one line: no block can start, no bidi override
    assert plain(None) == "" and plain(float("nan")) == "" and plain(12) == "12"
    # GFM autolinks the text after escapes are resolved: none of its patterns may survive
    shown = plain("lihat http://h.example, HTTPS://h.example, www.h.example, a@h.example").replace("\\", "")
    assert not re.search(r"(?i)https?://|www\.|\w@\w", shown), shown
    assert shown.replace(ZWSP, "") == "lihat http://h.example, HTTPS://h.example, www.h.example, a@h.example"


def test_work_queue_shows_hostile_names_as_text(hostile_world: Any) -> None:
    at = sign_in("cabang", "cabang-demo")
    at.switch_page("pages/work_queue.py").run()
    texts = _assert_no_live_markup(at)
    queue, details = at.dataframe[0].value, at.dataframe[1].value
    # table cells keep the name as it is (not Markdown): in the main table after the family number, and
    # alone in the details table
    assert queue[display.header("family", "id")].str.endswith(f" · {HOSTILE_PERSON}").all()
    assert (details[display.header("name", "id")] == HOSTILE_PERSON).all()
    history = [body for kind, body in texts if plain(HOSTILE_PERSON) in body]
    assert history, "the family's history heading should name the family head (escaped)"


def test_sif_officer_shows_hostile_facility_and_branch_as_text(hostile_world: Any) -> None:
    at = sign_in("bank", "bank-demo")
    at.switch_page("pages/sif_officer.py").run()
    texts = _assert_no_live_markup(at)
    bodies = "\n".join(body for _kind, body in texts)
    assert plain(HOSTILE_FACILITY) in bodies  # the facts heading names the facility, escaped
    assert plain(HOSTILE_BRANCH) in bodies  # the facts line names the branch, escaped


def test_directors_caption_shows_hostile_branch_as_text(hostile_world: Any) -> None:
    at = sign_in("deputi", "deputi-demo")
    at.switch_page("pages/overview.py")
    region = None
    with hostile_world.engine.connect() as conn:
        region, branch = conn.execute(text("SELECT region_code, code FROM branches ORDER BY code LIMIT 1")).one()
    at.query_params["branch"] = branch
    at.run()
    texts = _assert_no_live_markup(at)
    assert region is not None
    assert any(plain(HOSTILE_BRANCH) in body for _kind, body in texts)
