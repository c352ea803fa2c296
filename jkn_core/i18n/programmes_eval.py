"""UI strings of the programme-evaluation pages (#13, part 2: measured uplift, channels, CSR allocation):
(Bahasa Indonesia, English). Keys start with ``pe_`` (evaluation) or ``csr_`` (CSR allocation)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # --- navigation ---
    "page_programmes_effect": ("Efek program penagihan", "Collection programmes' effect"),
    "page_csr": ("Alokasi CSR", "CSR allocation"),
    # --- effect page ---
    "pe_intro": ("Setiap program dan tindakan menyisihkan secara acak sebagian keluarga (holdout, bawaan 10 % "
                 "per Kantor Cabang): mereka ditugaskan tetapi tidak ditangani. Uplift = tingkat hasil keluarga "
                 "yang ditangani − tingkat hasil holdout, dengan interval 95 % serentak: dengan keyakinan 95 % efek "
                 "sebenarnya SEMUA program yang dibandingkan berada di dalam intervalnya masing-masing.",
                 "Every programme and action randomly holds out a share of its families (holdout, default 10 % "
                 "per branch): assigned but not treated. Uplift = outcome rate of the treated − that of the "
                 "holdout, with simultaneous 95 % intervals: with 95 % confidence the true effect of EVERY programme "
                 "compared lies inside its own interval."),
    "pe_outcome": ("Hasil yang diukur", "Outcome measured"),
    "pe_outcome_reactivated": ("Aktif kembali (tanpa tunggakan di akhir jendela)",
                               "Reactivated (no unpaid bill at the window's end)"),
    "pe_outcome_paid": ("Membayar (minimal satu tagihan dalam jendela)", "Paid (at least one bill in the window)"),
    "pe_no_data": ("Belum ada penugasan program dengan jendela hasil yang sudah selesai.",
                   "No programme assignment with a finished outcome window yet."),
    "pe_uplift_chart": ("Uplift per program (poin persen) dengan interval 95 % serentak",
                        "Uplift by programme (percentage points) with simultaneous 95 % intervals"),
    "pe_true_effect": ("Efek sebenarnya (generator demo)", "True effect (demo generator)"),
    "pe_measured": ("Uplift terukur", "Measured uplift"),
    "pe_table": ("Uplift dan biaya per program", "Uplift and cost by programme"),
    "pe_method": ("Tingkat dibobot bobot keluarga; interval memakai ukuran sampel efektif (Σw)²/Σw² karena "
                  "pengacakan dilakukan per baris, dan dilebarkan (Bonferroni, z = 2,64 untuk enam program) agar berlaku "
                  "serentak untuk semua program yang dibandingkan. Biaya = fee mitra + dana CSR + waktu staf; biaya per "
                  "peserta aktif kembali = biaya ÷ (uplift × jiwa yang ditangani). Lihat docs/programmes.md.",
                  "Rates weighted by family weight; the interval uses the effective sample size (Σw)²/Σw² because "
                  "randomisation is per row, widened (Bonferroni, z = 2.64 for six programmes) to hold for all programmes "
                  "compared at once. Cost = partner fees + CSR money + staff time; cost per reactivated "
                  "person = cost ÷ (uplift × people treated). See docs/programmes.md."),
    "pe_channels": ("Kanal pembayaran iuran", "Payment channels"),
    "pe_channel_chart": ("Porsi pembayaran per kanal per bulan", "Share of payments by channel and month"),
    "pe_channel_branch": ("Porsi kanal per Kantor Cabang (bulan terakhir)", "Channel share by branch (last month)"),
    "pe_channel_table": ("Kanal pembayaran per Kantor Cabang", "Payment channels by branch"),
    "pe_channel_note": ("Porsi pembayaran (dibobot) per kanal. Kanal 'tidak diketahui' = sumber data tidak "
                        "menyebutkan kanalnya.",
                        "Share of (weighted) payments by channel. 'Unknown' = the source did not say."),
    "pe_col_programme": ("Program", "Programme"),
    "pe_col_action": ("Tindakan", "Action"),
    "pe_col_window": ("Jendela (bulan)", "Window (months)"),
    "pe_col_treated": ("Ditangani (baris)", "Treated (rows)"),
    "pe_col_holdout": ("Holdout (baris)", "Holdout (rows)"),
    "pe_col_rate_treated": ("Tingkat ditangani", "Rate treated"),
    "pe_col_rate_holdout": ("Tingkat holdout", "Rate holdout"),
    "pe_col_uplift": ("Uplift", "Uplift"),
    "pe_col_ci_low": ("Batas bawah 95 % (serentak)", "95 % low (simultaneous)"),
    "pe_col_ci_high": ("Batas atas 95 % (serentak)", "95 % high (simultaneous)"),
    "pe_col_extra": ("Tambahan peserta aktif", "Extra people reactivated"),
    "pe_col_cost": ("Biaya", "Cost"),
    "pe_col_cost_per": ("Biaya per peserta aktif kembali", "Cost per reactivated person"),
    "pe_col_true": ("Efek sebenarnya", "True effect"),
    "pe_col_channel": ("Kanal", "Channel"),
    "pe_col_share": ("Porsi", "Share"),
    "pe_col_payments": ("Pembayaran", "Payments"),
    "pe_col_branch": ("Kantor Cabang", "Branch"),
    "pe_col_period": ("Bulan", "Month"),
    # programme and action labels
    "pe_prog_sms": ("SMS", "SMS"),
    "pe_prog_call": ("Telecollecting", "Telecollecting"),
    "pe_prog_visit": ("Kunjungan petugas", "Staff visit"),
    "pe_prog_kader": ("Kader JKN", "Kader JKN"),
    "pe_prog_lpd": ("LPD (Bali)", "LPD (Bali)"),
    "pe_prog_csr": ("CSR", "CSR"),
    "pe_prog_rehab": ("Rehab", "Rehab"),
    "pe_action_sms_reminder": ("Pengingat SMS", "SMS reminder"),
    "pe_action_telecollecting": ("Telecollecting", "Telecollecting"),
    "pe_action_home_visit": ("Kunjungan rumah", "Home visit"),
    "pe_action_kader_visit": ("Kunjungan Kader JKN", "Kader JKN visit"),
    "pe_action_lpd_persuasion": ("Ajakan LPD", "LPD persuasion"),
    "pe_action_arrears_paid": ("Tunggakan dibayar sponsor", "Arrears paid by sponsor"),
    "pe_action_rehab_offer": ("Tawaran Rehab", "Rehab offer"),
    "pe_channel_teller": ("Teller bank", "Bank teller"),
    "pe_channel_atm_mbanking": ("ATM / mobile banking", "ATM / mobile banking"),
    "pe_channel_ppob": ("PPOB / agen ritel", "PPOB / retail agent"),
    "pe_channel_mobile_jkn": ("Mobile JKN", "Mobile JKN"),
    "pe_channel_autodebit": ("Autodebet", "Auto-debit"),
    "pe_channel_unknown": ("Tidak diketahui", "Unknown"),
    # --- CSR page ---
    "csr_intro": ("Usulan keluarga yang tunggakannya dibayar sponsor CSR agar sebanyak mungkin JIWA aktif "
                  "kembali DAN tetap aktif per Rupiah: urutan = anggota × peluang terus membayar ÷ tunggakan.",
                  "Proposal of the families whose arrears a CSR sponsor pays so that the most PEOPLE are "
                  "reactivated AND stay active per Rupiah: order = members × probability of paying on ÷ debt."),
    "csr_no_sponsor": ("Belum ada sponsor CSR.", "No CSR sponsor yet."),
    "csr_sponsor": ("Sponsor", "Sponsor"),
    "csr_budget": ("Anggaran (Rp)", "Budget (Rp)"),
    "csr_eligibility": ("Kriteria", "Eligibility"),
    "csr_candidates": ("Keluarga memenuhi syarat", "Eligible families"),
    "csr_chosen": ("Keluarga diusulkan", "Families proposed"),
    "csr_people": ("Jiwa aktif kembali", "People reactivated"),
    "csr_spent": ("Dana terpakai", "Money used"),
    "csr_proposal": ("Usulan (urut prioritas)", "Proposal (priority order)"),
    "csr_record": ("Catat pembayaran CSR untuk keluarga yang diusulkan", "Record the CSR payment of the proposed families"),
    "csr_recorded": ("Pembayaran CSR tercatat untuk {n} keluarga.", "CSR payment recorded for {n} families."),
    "csr_record_note": ("Hanya keluarga Kantor Cabang Anda; tercatat di log audit.",
                        "Only your branch's families; written to the audit log."),
    "csr_benchmark": ("Pembanding strategi (anggaran yang sama)", "Strategies compared (same budget)"),
    "csr_strategy_proposed": ("Usulan (anggota × peluang ÷ tunggakan)", "Proposed (members × probability ÷ debt)"),
    "csr_strategy_largest_debt": ("Tunggakan terbesar dulu", "Largest debts first"),
    "csr_strategy_random": ("Acak", "Random"),
    "csr_report": ("Laporan sponsor", "Sponsor report"),
    "csr_report_title": ("Laporan CSR", "CSR report"),
    "csr_report_note": ("Dibayar, aktif kembali, dan masih aktif 3 dan 6 bulan setelah pembayaran (jiwa, dibobot). "
                        "'-' = bulan tersebut belum ada dalam data.",
                        "Paid for, reactivated, and still active 3 and 6 months after the payment (people, "
                        "weighted). '-' = that month is not in the data yet."),
    "csr_generated": ("Dibuat", "Generated"),
    "csr_download_pdf": ("Unduh PDF", "Download PDF"),
    "csr_download_xlsx": ("Unduh Excel", "Download Excel"),
    "csr_col_period": ("Bulan bayar", "Month paid"),
    "csr_col_families": ("Keluarga", "Families"),
    "csr_col_people": ("Jiwa", "People"),
    "csr_col_amount": ("Dana (Rp)", "Money (Rp)"),
    "csr_col_reactivated": ("Aktif kembali", "Reactivated"),
    "csr_col_active_3": ("Aktif +3 bln", "Active +3 mo"),
    "csr_col_active_6": ("Aktif +6 bln", "Active +6 mo"),
    "csr_col_strategy": ("Strategi", "Strategy"),
    "csr_col_spent": ("Dana terpakai", "Money used"),
    "csr_col_per_miliar_6": ("Aktif +6 bln per Rp 1 miliar", "Active +6 mo per Rp 1 billion"),
    "csr_col_per_miliar_3": ("Aktif +3 bln per Rp 1 miliar", "Active +3 mo per Rp 1 billion"),
    "csr_col_family": ("Keluarga", "Family"),
    "csr_col_branch": ("Kantor Cabang", "Branch"),
    "csr_col_members": ("Anggota", "Members"),
    "csr_col_arrears_months": ("Bulan tunggakan", "Months in arrears"),
    "csr_col_debt": ("Tunggakan (Rp)", "Arrears (Rp)"),
    "csr_col_p_pay": ("Peluang terus membayar", "Probability of paying on"),
    "csr_col_cost": ("Biaya (dibobot)", "Cost (weighted)"),
    "csr_bench_note": ("Aktif setelah 3/6 bulan dihitung dengan peluang sebenarnya dari generator demo "
                       "(hanya untuk evaluasi).",
                       "Active after 3/6 months computed with the demo generator's true probabilities "
                       "(evaluation only)."),
}
