"""UI strings of the directors' pages (overview, coverage, arrears, capacity, brief): (id, en)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # drill-down and view
    "dir_view": ("Tampilan", "View"),
    "dir_period": ("Periode", "Period"),
    "dir_scope_all": ("Semua (sesuai hak akses)", "All (within your access)"),
    "dir_link_hint": ("Tautan halaman ini membuka tampilan yang sama (filter tersimpan di URL).",
                      "This page's link opens the same view (the filters are kept in the URL)."),
    "dir_brief": ("Unduh ringkasan direksi (HTML siap cetak)", "Download director brief (print-ready HTML)"),
    "dir_brief_title": ("Ringkasan Direksi JKN", "JKN Director Brief"),
    "dir_brief_print": ("Cetak ke PDF dari peramban: Ctrl+P.", "Print to PDF from the browser: Ctrl+P."),
    "dir_generated": ("Dibuat", "Generated"),
    "dir_filters": ("Filter", "Filters"),
    # cards
    "kpi_participants": ("Peserta terdaftar", "Registered participants"),
    "kpi_coverage_pct": ("Cakupan penduduk", "Population coverage"),
    "kpi_active_pct": ("Peserta aktif", "Active participants"),
    "kpi_collectability_pct": ("Kolektabilitas PBPU/BP", "PBPU/BP collectability"),
    "kpi_arrears_rp": ("Tunggakan (Rp)", "Arrears (Rp)"),
    "kpi_arrears_people": ("Peserta menunggak", "Participants in arrears"),
    "kpi_fktp": ("FKTP bekerja sama", "Contracted FKTP"),
    "kpi_fkrtl": ("FKRTL bekerja sama", "Contracted FKRTL"),
    "kpi_participants_per_doctor": ("Peserta per dokter FKTP", "Participants per FKTP doctor"),
    "vs_last_month": ("vs bulan lalu", "vs last month"),
    "vs_last_year": ("vs tahun lalu", "vs last year"),
    "target_short": ("Target", "Target"),
    "target_max": ("Maks.", "Max."),
    "status_green": ("Sesuai target", "On target"),
    "status_amber": ("Perlu perhatian", "Watch"),
    "status_red": ("Di bawah target", "Off target"),
    "status_grey": ("Tanpa target", "No target"),
    "status_red_rising": ("Naik — buruk", "Rising — bad"),
    "dir_status": ("Status", "Status"),
    "dir_headline_table": ("Tabel KPI utama", "Headline KPI table"),
    # coverage page
    "cov_map_title": ("Cakupan kepesertaan per provinsi (%)", "Coverage by province (%)"),
    "cov_map_colorbar": ("Cakupan (%)", "Coverage (%)"),
    "cov_uninsured_bubbles": ("Belum terdaftar (jiwa)", "Uninsured (people)"),
    "cov_by_branch": ("Cakupan per kantor cabang", "Coverage by branch"),
    "cov_by_regency": ("Cakupan per kabupaten/kota", "Coverage by regency/city"),
    "cov_gap_title": ("Penduduk belum terdaftar per {unit} (jiwa)", "Uninsured people per {unit}"),
    "cov_gap_axis": ("Jiwa belum terdaftar", "Uninsured people"),
    "cov_segment_title": ("Komposisi segmen peserta (jiwa)", "Participants by segment (people)"),
    "cov_trend_title": ("Tren cakupan menuju target UHC (%)", "Coverage trend towards the UHC target (%)"),
    "cov_pct_axis": ("Cakupan (%)", "Coverage (%)"),
    "cov_map_note": ("Peta provinsi: Kalimantan Utara digabung ke Kalimantan Timur dan provinsi Papua hasil "
                     "pemekaran 2022 ke Papua/Papua Barat (batas Natural Earth).",
                     "Province map: Kalimantan Utara is merged into Kalimantan Timur and the 2022 Papua "
                     "provinces into Papua/Papua Barat (Natural Earth boundaries)."),
    "uninsured": ("Belum terdaftar", "Uninsured"),
    "month": ("Bulan", "Month"),
    "people_unit": ("jiwa", "people"),
    # arrears page
    "arr_coll_month_title": ("Kolektabilitas iuran PBPU/BP per bulan (%)", "PBPU/BP collectability by month (%)"),
    "arr_coll_branch_title": ("Kolektabilitas per kantor cabang, {p} (%)", "Collectability by branch, {p} (%)"),
    "arr_coll_segment_title": ("Kolektabilitas per segmen, {p} (%)", "Collectability by segment, {p} (%)"),
    "arr_pct_axis": ("Kolektabilitas (%)", "Collectability (%)"),
    "arr_aging_title": ("Umur tunggakan (jiwa)", "Arrears aging (people)"),
    "arr_aging_rp_title": ("Umur tunggakan (Rp miliar)", "Arrears aging (Rp billion)"),
    "arr_bucket": ("Lama menunggak (bulan)", "Months in arrears"),
    "arr_rp_bn": ("Rp miliar", "Rp billion"),
    "arr_rehab": ("Kelayakan program REHAB (PBPU/BP, 4–24 bulan)", "Rehab-eligible pool (PBPU/BP, 4–24 months)"),
    "arr_rehab_people": ("Peserta layak REHAB", "Rehab-eligible participants"),
    "arr_rehab_rp": ("Tunggakan layak REHAB", "Rehab-eligible arrears"),
    "arr_penalty": ("Estimasi denda pelayanan 5 % (rawat inap) setelah reaktivasi", "Estimated 5 % service penalty (denda pelayanan, inpatient) after reactivation"),
    "arr_penalty_total": ("Eksposur denda pelayanan (estimasi)", "Penalty exposure (estimate)"),
    "arr_penalty_note": ("Perpres 64/2020: denda pelayanan 5 % × bulan menunggak (maks. 12) × biaya rawat inap, maks. "
                         "Rp 30 juta, untuk rawat inap dalam 45 hari setelah aktif kembali. Biaya rata-rata rawat "
                         "inap {cost}; peluang rawat inap {rate} per 1.000 jiwa per bulan (data care_events 12 bulan).",
                         "Perpres 64/2020: penalty 5 % × months in arrears (max 12) × inpatient cost, max Rp 30 "
                         "million, for inpatient care within 45 days of reactivation. Average inpatient cost {cost}; "
                         "{rate} inpatient stays per 1,000 people per month (12 months of care_events)."),
    "arr_league": ("Peringkat kantor cabang (gaya Portfolio-at-Risk)", "Branch league table (Portfolio-at-risk style)"),
    "arr_league_note": ("PAR 3 = % peserta PBPU/BP dalam keluarga menunggak > 3 bulan. Merah: kolektabilitas "
                        "> 10 poin di bawah target atau tunggakan naik > 2 %; hijau: mencapai target dan tunggakan "
                        "tidak naik; kuning: selainnya.",
                        "PAR 3 = % of PBPU/BP participants in families more than 3 months in arrears. Red: "
                        "collectability more than 10 points under target or arrears up > 2 %; green: on target "
                        "and arrears not rising; amber: otherwise."),
    "arr_segment": ("Segmen", "Segment"),
    "arr_target_line": ("Target", "Target"),
    # capacity page
    "cap_per_doctor_title": ("Peserta terdaftar per dokter FKTP per {unit} (norma 1:5.000)",
                             "Registered participants per FKTP doctor by {unit} (norm 1:5,000)"),
    "cap_per_doctor_axis": ("Peserta per dokter", "Participants per doctor"),
    "cap_norm": ("Norma 5.000", "Norm 5,000"),
    "cap_units": ("FKTP dan FKRTL per {unit}", "FKTP and FKRTL by {unit}"),
    "cap_over": ("FKTP melebihi 5.000 peserta per dokter", "FKTP above 5,000 participants per doctor"),
    "cap_over_count": ("FKTP di atas norma", "FKTP over the norm"),
    "cap_regencies": ("Kabupaten/kota yang perlu redistribusi atau kontrak baru",
                      "Regencies needing redistribution or new contracts"),
    "cap_action_new_contracts": ("Kontrak baru", "New contracts"),
    "cap_action_redistribute": ("Redistribusi peserta", "Redistribute participants"),
    "cap_action_ok": ("Cukup", "Sufficient"),
    "cap_kbk": ("Capaian indikator KBK per {unit}", "KBK indicator attainment by {unit}"),
    "cap_kbk_axis": ("% FKTP memenuhi target", "% of FKTP meeting the target"),
    "cap_kbk_contact": ("Angka kontak ≥ 150‰", "Contact rate ≥ 150‰"),
    "cap_kbk_rrns": ("Rujukan non-spesialistik ≤ 2 %", "Non-specialist referrals ≤ 2 %"),
    "cap_kbk_rppt": ("Prolanis terkendali ≥ 5 %", "Controlled Prolanis ≥ 5 %"),
    "cap_capitation_title": ("Kapitasi dibayarkan per bulan (Rp miliar)", "Capitation paid per month (Rp billion)"),
    "cap_capitation": ("Kapitasi dibayarkan", "Capitation paid"),
    "cap_doctors_short": ("Kekurangan dokter", "Doctors short"),
    "unit_region": ("kedeputian wilayah", "regional office"),
    "unit_branch": ("kantor cabang", "branch"),
    "unit_regency": ("kabupaten/kota", "regency/city"),
}
