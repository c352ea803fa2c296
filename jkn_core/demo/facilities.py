"""Health facilities of the demo: FKTP and hospitals per regency, and the FKTP months (panels, doctors,
capitation, KBK).

Counts follow the national totals and mix of :mod:`jkn_core.demo.calibration`; capitation and KBK rules
come from :mod:`jkn_core.rules`. Participants choose their FKTP in :mod:`jkn_core.demo.generator`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jkn_core import rules
from jkn_core.demo import calibration as ref
from jkn_core.demo.maths import largest_remainder
from jkn_core.demo.names import CLINIC_WORDS, FIRST_NAMES, LAST_NAMES
from jkn_core.demo.timeline import START_YEAR, dates_iso, padded, period_of


def facilities(rng: np.random.Generator, reg: pd.DataFrame, prov: pd.DataFrame, end_idx: int,
               provinces: tuple[str, ...] | None) -> tuple[pd.DataFrame, np.ndarray]:
    """Facilities at full count per regency (FKTP by type, hospitals), named, owned, accredited and
    contracted; returns the frame (with ``reg_i``, the regency row) and each facility's regency row."""
    share = prov["population"].sum() / ref.NATIONAL_POPULATION_2024 if provinces else 1.0
    pop = reg["pop_2024"].to_numpy(float)
    inc = reg["income_index"].to_numpy()
    n_fktp = int(round(ref.FKTP_TOTAL_2024 * share))
    n_rs = int(round(ref.FKRTL_TOTAL_2024 * share))
    weights = {
        "puskesmas": pop ** 0.7, "klinik_pratama": pop * inc ** 1.2, "dpp": pop * inc ** 1.3,
        "dokter_gigi": pop * inc ** 1.5, "klinik_tni_polri": pop ** 0.8,
    }
    counts = {t: largest_remainder(w, int(round(n_fktp * ref.FKTP_MIX[t]))) for t, w in weights.items()}
    counts["puskesmas"] = np.maximum(counts["puskesmas"], 1)
    rs_w = pop ** 0.9 * inc ** 0.4
    rs_w[reg["name"].str.contains("Pegunungan Arfak").to_numpy()] = 0  # no partner hospital (V, 2025)
    counts["rumah_sakit"] = largest_remainder(rs_w, n_rs)
    # Jakarta Pusat (2017, V): 91 FKTP and 27 hospitals for ~1.1 M residents -> large panels, 1:7,000
    for i in np.flatnonzero(reg["code"].to_numpy() == "31.71"):
        fktp_types = [t for t in counts if t != "rumah_sakit"]
        total = sum(int(counts[t][i]) for t in fktp_types)
        for t in fktp_types:
            counts[t][i] = max(int(round(counts[t][i] * ref.JAKARTA_PUSAT_FKTP / total)), 1)
        counts["rumah_sakit"][i] = ref.JAKARTA_PUSAT_FKRTL
    letters = {"puskesmas": "P", "klinik_pratama": "K", "dpp": "D", "dokter_gigi": "G",
               "klinik_tni_polri": "T", "rumah_sakit": "R"}
    short = _short_names(reg)
    # per type, regency by regency: the j-th facility of the regency, coded <branch><letter><number within the
    # branch and type, from 0001>
    branch_codes = reg["branch_code"].to_numpy()
    parts = []
    for t, cnt in counts.items():
        regs = np.flatnonzero(cnt)
        per = np.asarray(cnt[regs], dtype=np.int64)
        ri = np.repeat(regs, per)
        if not len(ri):
            continue
        b = branch_codes[ri]
        number = pd.Series(b).groupby(b, sort=False).cumcount().to_numpy() + 1
        parts.append(pd.DataFrame({"code": b + letters[t] + padded(number, 4), "type": t, "reg_i": ri,
                                   "j": np.arange(len(ri)) - np.repeat(np.cumsum(per) - per, per)}))
    fac = pd.concat(parts, ignore_index=True)
    n = len(fac)
    t = fac["type"].to_numpy()
    ri = fac["reg_i"].to_numpy()
    fac["name"] = _facility_names(rng, fac, short, reg["branch_code"].to_numpy())
    fac["level"] = np.where(t == "rumah_sakit", "FKRTL", "FKTP")
    own_rs = rng.choice(list(ref.FKRTL_OWNERSHIP), n, p=list(ref.FKRTL_OWNERSHIP.values()))
    fac["ownership"] = np.select([t == "puskesmas", t == "klinik_tni_polri", t == "rumah_sakit"],
                                 ["pemerintah", "tni_polri", own_rs], "swasta")
    acc_levels = np.array(["paripurna", "utama", "madya", "dasar", "belum"])
    fac["accreditation"] = np.where(t == "dpp", rng.choice(acc_levels, n, p=[0.05, 0.1, 0.2, 0.25, 0.4]),
                                    rng.choice(acc_levels, n, p=[0.15, 0.3, 0.33, 0.15, 0.07]))
    fac["dentists"] = np.select([t == "puskesmas", t == "klinik_pratama", t == "dokter_gigi"],
                                [(rng.random(n) < 0.6).astype(int), (rng.random(n) < 0.4).astype(int), 1], 0)
    years = rng.integers(0, 11, n)  # years contracted before the end year
    start_idx = np.clip(end_idx - 12 * years - rng.integers(0, 12, n), 0, end_idx)
    fac["contract_start"] = dates_iso(start_idx, np.ones(n, dtype=int))
    end_c = end_idx + rng.integers(1, 37, n)
    fac["contract_end"] = dates_iso(end_c, np.full(n, 28))
    fac["renewals"] = years
    fac["regency_code"] = reg["code"].to_numpy()[ri]
    fac["branch_code"] = reg["branch_code"].to_numpy()[ri]
    fac["doctors"] = 0
    fac["capitation_rate"] = 0
    fac = fac.drop(columns=["j"])
    cols = ["code", "name", "level", "type", "ownership", "accreditation", "doctors", "dentists", "regency_code",
            "branch_code", "contract_start", "contract_end", "renewals", "capitation_rate", "reg_i"]
    return fac[cols], ri


def _month_index(dates: pd.Series) -> np.ndarray:
    """ISO dates -> the generator's month index (months since January 2014)."""
    d = pd.to_datetime(dates)
    return ((d.dt.year - START_YEAR) * 12 + d.dt.month - 1).to_numpy()


def _short_names(reg: pd.DataFrame) -> np.ndarray:
    """Regency names without "Kabupaten"/"Kota (Administrasi)"; a kabupaten sharing its name with a kota
    of its province keeps "Kab." (Kota Bandung -> "Bandung", Kabupaten Bandung -> "Kab. Bandung")."""
    short = reg["name"].str.replace(r"^(Kabupaten|Kota)( Adm\.| Administrasi)? ", "", regex=True)
    kota = set(zip(reg["province_code"][reg["is_city"].astype(bool)], short[reg["is_city"].astype(bool)], strict=True))
    clash = [not c and (p, n) in kota for p, n, c in zip(reg["province_code"], short, reg["is_city"], strict=True)]
    return np.where(clash, "Kab. " + short, short)


#: Names of TNI/Polri clinics: the unit the clinic belongs to, then the regency (E).
_TNI_POLRI_UNITS = ("Klinik Kodim", "Klinik Polres", "Klinik Koramil", "Klinik Polsek", "Klinik Yonif",
                    "Klinik Lanud", "Klinik Lanal", "Klinik Brimob", "Klinik Kompi", "Klinik Denpom")


def _distinct(rng: np.random.Generator, pool: list[str], count: int) -> list[str]:
    """``count`` different names from ``pool`` in random order; past the pool, numbered repeats."""
    order = [pool[i] for i in rng.permutation(len(pool))]
    return [order[k % len(order)] + (f" {k // len(order) + 1}" if k >= len(order) else "") for k in range(count)]


def _facility_names(rng: np.random.Generator, fac: pd.DataFrame, short: np.ndarray, branch_of: np.ndarray
                    ) -> np.ndarray:
    """A plausible name for every facility, different from every other facility's name in its branch:
    clinics and hospitals from pairs of clinic words (``Klinik Pratama Mitra Husada``), practices from
    pairs of first and last names (``dr. Agus Wijaya``), puskesmas numbered in their regency, TNI/Polri
    clinics by unit and regency (``Klinik Polres Bandung``)."""
    t = fac["type"].to_numpy()
    ri = fac["reg_i"].to_numpy()
    words = [f"{a} {b}" for a in CLINIC_WORDS for b in CLINIC_WORDS if a != b]
    people = [f"{a} {b}" for a in FIRST_NAMES for b in LAST_NAMES]
    out = np.empty(len(fac), dtype=object)
    for (ftype, _branch), idx in pd.Series(np.arange(len(fac))).groupby([t, branch_of[ri]]).groups.items():
        idx = np.asarray(idx)
        if ftype == "puskesmas":
            out[idx] = [f"Puskesmas {short[ri[i]]} {j + 1}" for i, j in zip(idx, fac["j"].to_numpy()[idx], strict=True)]
        elif ftype == "klinik_pratama":
            out[idx] = ["Klinik Pratama " + w for w in _distinct(rng, words, len(idx))]
        elif ftype in ("dpp", "dokter_gigi"):
            title = "dr. " if ftype == "dpp" else "drg. "
            out[idx] = [title + p for p in _distinct(rng, people, len(idx))]
        elif ftype == "rumah_sakit":
            prefix = np.where(rng.random(len(idx)) < 0.35, "RSUD ", "RS ")
            out[idx] = [p + w for p, w in zip(prefix, _distinct(rng, words, len(idx)), strict=True)]
        else:  # klinik_tni_polri: one unit per regency name
            pool = sorted({f"{u} {short[ri[i]]}" for i in idx for u in _TNI_POLRI_UNITS})
            out[idx] = _distinct(rng, pool, len(idx))
    return out.astype(str)


def facility_months(rng: np.random.Generator, fac: pd.DataFrame, p_fktp: np.ndarray, p_w: np.ndarray,
                    p_reg_idx: np.ndarray, ws: int, end_idx: int) -> pd.DataFrame:
    """Registered participants per FKTP and month (from the participants), doctors, capitation, KBK."""
    W = end_idx - ws + 1
    nf = len(fac)
    col = np.clip(p_reg_idx - ws, 0, None)
    mat = np.zeros((nf, W), dtype=np.int64)
    np.add.at(mat, (p_fktp, np.minimum(col, W - 1)), p_w)
    mat[:, :] = np.cumsum(mat, axis=1)
    # registrations before the window sit in column 0 already (clipped), cumsum carries them
    t = fac["type"].to_numpy()
    fktp = fac["level"].to_numpy() == "FKTP"
    reg_end = mat[:, -1]
    # doctors: panels around the 1:5,000 norm; Jakarta Pusat and remote regencies run hotter (E)
    target_ratio = rng.lognormal(np.log(3900), 0.35, nf)
    target_ratio *= np.where(fac["regency_code"].to_numpy() == "31.71", 2.0, 1.0)
    target_ratio *= np.where(fac["regency_code"].str[:2].isin(["91", "93", "94", "95", "53"]).to_numpy(), 1.3, 1.0)
    doctors = np.maximum(1, np.round(reg_end / target_ratio)).astype(int)
    doctors = np.where(t == "dpp", 1, doctors)
    doctors = np.where(t == "dokter_gigi", 0, doctors)
    doctors = np.where(t == "rumah_sakit", rng.integers(8, 120, nf), doctors)
    fac["doctors"] = doctors
    ratio_ok = reg_end <= 5000 * np.maximum(doctors, 1)
    has_dent = fac["dentists"].to_numpy() > 0
    rates = np.array([rules.CAPITATION.get((ti, bool(ok), bool(d) if ti not in ("dpp", "dokter_gigi") else False), 0)
                      for ti, ok, d in zip(t, ratio_ok, has_dent, strict=True)])
    fac["capitation_rate"] = np.where(fktp, rates, 0)
    # dentists are paid per dental panel: a tenth of the mean GP panel of their regency, month by month (E)
    gp = fktp & (t != "dokter_gigi")
    reg_codes, ri = np.unique(fac["regency_code"].to_numpy(), return_inverse=True)
    panel_sum = np.zeros((len(reg_codes), W))
    np.add.at(panel_sum, ri[gp], mat[gp])
    mean_panel = panel_sum / np.maximum(np.bincount(ri[gp], minlength=len(reg_codes)), 1)[:, None]
    mat = np.where((t == "dokter_gigi")[:, None], np.round(mean_panel[ri] * 0.1).astype(np.int64), mat)
    # KBK indicators per facility-month
    base_ak = rng.lognormal(np.log(140), 0.35, nf)
    base_rr = rng.gamma(2.0, 0.8, nf)
    base_rp = rng.lognormal(np.log(3.5), 0.6, nf)
    fidx, cidx = np.nonzero(np.broadcast_to(fktp[:, None], (nf, W)))
    m = len(fidx)
    ak = base_ak[fidx] * rng.lognormal(0, 0.12, m)
    rr = base_rr[fidx] * rng.lognormal(0, 0.15, m)
    rp = base_rp[fidx] * rng.lognormal(0, 0.15, m)
    safe = (ak >= rules.KBK_TARGETS["contact_rate_pm"]).astype(int) + (rr <= rules.KBK_TARGETS["rrns_pct"]) + (
        rp >= rules.KBK_TARGETS["rppt_pct"])
    kbk = np.vectorize(rules.KBK_PAYMENT.get)(safe)
    registered = mat[fidx, cidx]
    cap = np.round(registered * fac["capitation_rate"].to_numpy()[fidx] * kbk / 100).astype(np.int64)
    # a facility has a month (a panel, capitation, KBK) only while it is contracted: from its contract start
    start = _month_index(fac["contract_start"])
    keep = ws + cidx >= start[fidx]
    fidx, cidx, registered, cap, ak, rr, rp, kbk = (a[keep] for a in (fidx, cidx, registered, cap, ak, rr, rp, kbk))
    return pd.DataFrame({
        "facility_code": fac["code"].to_numpy()[fidx], "period": period_of(ws + cidx), "registered": registered,
        "capitation_paid": cap, "contact_rate_pm": ak.round(1), "rrns_pct": rr.round(2), "rppt_pct": rp.round(2),
        "kbk_pct": kbk,
    })
