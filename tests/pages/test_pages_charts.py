"""Charts outside the directors' pages in AppTest (figure JSON): the SIF officer's capitation history reads
Rupiah in Indonesian units and its second axis (registered participants) never repeats a tick."""

from __future__ import annotations

import json

from jkn_core import sif
from jkn_core.i18n import t
from jkn_core.scope import Scope
from tests.apptest import sign_in

BANK = Scope(role="bank_officer", username="bank", region_code="KW05", bank="Bank bjb")


def test_sif_capitation_chart_axes_read_right(app_env, sqlite_world) -> None:
    at = sign_in("bank")
    at.switch_page("pages/sif_officer.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # a facility with capitation in the millions (the first one offered may have none)
    for code in at.selectbox(key="sif_facility").options:
        code = code.split("(")[-1].split(")")[0] if "(" in code else code
        hist = sif.capitation_history(sqlite_world.engine, BANK, code)
        if len(hist) and float(hist["capitation_paid"].max()) > 1e6:
            break
    at.selectbox(key="sif_facility").set_value(code).run()
    assert not at.exception, [e.value for e in at.exception]
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if json.loads(c.proto.spec)["layout"]["title"]["text"] == t("sif_capitation_history"))
    lay = spec["layout"]
    money, people = lay["yaxis"], lay["yaxis2"]
    # Rupiah: "Rp 100 jt", never plotly's "100M" (which reads as 100 miliar in Indonesian)
    assert all(x == "0" or (x.startswith("Rp ") and x.split()[-1] in ("rb", "jt", "M", "T")) for x in money["ticktext"]), money
    assert money["tickvals"][-1] >= float(hist["capitation_paid"].max())
    # registered participants: whole people, each tick once (the axis read 4,796, 4,796, 4,797 … before)
    assert len(set(people["ticktext"])) == len(people["ticktext"]) >= 2
    assert all(float(v).is_integer() for v in people["tickvals"])
    assert people["range"][0] == 0 and people["range"][1] >= float(hist["registered"].max())
    assert lay["title"]["subtitle"]["text"].endswith(f"– {spec['data'][0]['x'][-1]}")
