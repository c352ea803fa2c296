"""UI strings of imports (issue 17): the reasons a file or a row is refused that the readers, the organisation
and name checks, the importer and the programme checks give, the import report's lines (the Import page and the
command line), and the schema help of the newer tables and of every table's rules.

``imp_why_<code>``: a reason with its parameters (see :mod:`jkn_core.imports.report`); the English text is
exactly what the importer said before it spoke two languages, so a plain English reason of a module that does not
yet build a :class:`~jkn_core.imports.report.Reason` is recognised by its template and translated too.
``imp_why_kind_<code>``: what a refused binary file is. ``imp_rule_<table>_<n>``: a spec rule (the English text is
the spec's own, which is how the rule is found). ``imp_table_<table>`` / ``imp_field_<table>__<field>``: schema
help, as in :mod:`jkn_core.i18n.admin`. ``imp_sum_*`` / ``imp_cli_*``: the import report's lines.
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # --- the readers (jkn_core.imports.read): files refused whole --------------------------------------------
    "imp_why_not_table_file": ("{file} bukan file CSV atau Excel (.xlsx): ini {what}",
                               "{file} is not a CSV or Excel (.xlsx) file: it is {what}"),
    "imp_why_nul_byte": ("{file} berisi byte NUL (data biner, bukan teks) di baris {line} (byte {byte}); tidak ada "
                         "yang diimpor: hapus byte itu atau ekspor ulang file sebagai CSV UTF-8",
                         "{file} contains a NUL byte (binary data, not text) on line {line} (byte {byte}); nothing "
                         "was imported: remove it or export the file again as CSV UTF-8"),
    "imp_why_file_too_big": ("{file} berukuran {size} MB; impor membaca file paling besar {max} MB: pecah menjadi "
                             "beberapa file",
                             "{file} is {size} MB; an import reads files of at most {max} MB: split it into "
                             "several files"),
    "imp_why_line_too_long": ("baris {line} lebih panjang dari {max} karakter; ini bukan tabel yang bisa diimpor",
                              "line {line} is longer than {max} characters; this is not a table an import reads"),
    "imp_why_not_utf8": ("file tidak berpengodean UTF-8: byte 0x{byte} (mungkin '{guess}' dalam Windows-1252/Latin-1) "
                         "tidak terbaca; simpan file sebagai 'CSV UTF-8' lalu impor lagi",
                         "the file is not UTF-8 encoded: byte 0x{byte} (probably '{guess}' in Windows-1252/Latin-1) "
                         "cannot be read; save the file as 'CSV UTF-8' and import it again"),
    "imp_why_invalid_csv": ("file bukan CSV yang sah di sini: {error}", "the file is not valid CSV here: {error}"),
    "imp_why_xlsx_unpacks": ("{file} terurai menjadi {size} MB; buku kerja Excel paling besar {max} MB setelah "
                             "diurai: simpan sebagai CSV UTF-8 atau pecah",
                             "{file} unpacks to {size} MB; an Excel workbook may unpack to at most {max} MB: save it "
                             "as CSV UTF-8 or split it"),
    "imp_why_xml_tag_too_long": ("{member} memuat tag XML lebih dari 1 MB: bukan buku kerja yang terbaca",
                                 "{member} holds an XML tag longer than 1 MB: not a readable workbook"),
    "imp_why_row_too_many_cells": ("satu baris buku kerja punya lebih dari {max} sel (batas Excel sendiri): bukan "
                                   "tabel yang bisa diimpor",
                                   "a row of the workbook has more than {max} cells (Excel's own limit): not a table "
                                   "an import reads"),
    "imp_why_too_many_cells": ("buku kerja punya lebih dari {max} sel; simpan sebagai CSV UTF-8 atau pecah",
                               "the workbook has more than {max} cells; save it as CSV UTF-8 or split it"),
    "imp_why_row_beyond_excel": ("buku kerja memakai baris {row}, melewati baris terakhir Excel {max}: bukan buku "
                                 "kerja yang terbaca",
                                 "the workbook uses row {row}, beyond Excel's last row {max}: not a readable workbook"),
    "imp_why_too_many_rows": ("file punya lebih dari {max} baris data; pecah menjadi beberapa file",
                              "the file has more than {max} data rows; split it into several files"),
    "imp_why_zip_not_xlsx": ("{file} adalah arsip ZIP tetapi bukan buku kerja Excel (.xlsx)",
                             "{file} is a ZIP archive but not an Excel (.xlsx) workbook"),
    "imp_why_unreadable_xlsx": ("{file} bukan buku kerja Excel (.xlsx) yang terbaca ({error})",
                                "{file} is not a readable Excel (.xlsx) workbook ({error})"),
    "imp_why_too_many_columns": ("baris {line} berisi nilai di kolom {n}; file impor paling banyak {max} kolom",
                                 "row {line} has a value in column {n}; an import file has at most {max} columns"),
    # what a refused binary file is (read.binary_kind)
    "imp_why_kind_binary": ("data biner", "binary data"),
    "imp_why_kind_png": ("gambar PNG", "a PNG image"),
    "imp_why_kind_jpeg": ("gambar JPEG", "a JPEG image"),
    "imp_why_kind_gif": ("gambar GIF", "a GIF image"),
    "imp_why_kind_tiff": ("gambar TIFF", "a TIFF image"),
    "imp_why_kind_icon": ("gambar ikon", "an icon image"),
    "imp_why_kind_pdf": ("dokumen PDF", "a PDF document"),
    "imp_why_kind_elf": ("program (berkas eksekusi ELF)", "a program (ELF executable)"),
    "imp_why_kind_macho_java": ("program (Mach-O atau kelas Java)", "a program (Mach-O or Java class)"),
    "imp_why_kind_macho": ("program (berkas eksekusi Mach-O)", "a program (Mach-O executable)"),
    "imp_why_kind_wasm": ("program (WebAssembly)", "a program (WebAssembly)"),
    "imp_why_kind_windows": ("program (berkas eksekusi Windows)", "a program (Windows executable)"),
    "imp_why_kind_gzip": ("arsip gzip", "a gzip archive"),
    "imp_why_kind_bzip2": ("arsip bzip2", "a bzip2 archive"),
    "imp_why_kind_xz": ("arsip xz", "an xz archive"),
    "imp_why_kind_zstd": ("arsip zstd", "a zstd archive"),
    "imp_why_kind_sqlite": ("basis data SQLite", "a SQLite database"),
    "imp_why_kind_rar": ("arsip RAR", "a RAR archive"),
    "imp_why_kind_7z": ("arsip 7-Zip", "a 7-Zip archive"),
    "imp_why_kind_webp": ("gambar WebP", "a WebP image"),
    "imp_why_kind_wav": ("suara WAV", "a WAV sound"),
    "imp_why_kind_avi": ("video AVI", "an AVI video"),
    "imp_why_kind_iso_media": ("video atau gambar (ISO media)", "a video or image (ISO media)"),
    # --- the importer (jkn_core.imports.run) ---------------------------------------------------------------------
    "imp_why_cannot_read": ("file tidak dapat dibaca: {error}", "cannot read the file: {error}"),
    "imp_why_database_refused": ("basis data menolak impor ini (insiden {incident}); tidak ada yang ditulis",
                                 "the database refused the import (incident {incident}); nothing was written"),
    # --- row rules of the core and organisation tables -------------------------------------------------------
    "imp_why_birth_year_mismatch": ("birth_year {year} tidak sesuai dengan birth_date {date}",
                                    "birth_year {year} does not match birth_date {date}"),
    "imp_why_regency_province": ("kabupaten/kota {code} ada di provinsi {province} (dua digit pertama kode "
                                 "Kemendagri-nya), bukan di {given}",
                                 "regency {code} lies in province {province} (the first two digits of its "
                                 "Kemendagri code), not in {given}"),
    "imp_why_needed_for_new_regency": ("{column} wajib untuk kabupaten/kota baru ({code} belum ada)",
                                       "{column} is required for a new regency ({code} does not exist yet)"),
    # --- name warnings (jkn_core.imports.names): accepted rows, listed ------------------------------------------
    "imp_why_name_renames": ("{code} bernama '{known}' di basis data, file menyebutnya '{name}': impor akan "
                             "mengganti namanya; periksa kodenya bila ini bukan penggantian nama",
                             "{code} is '{known}' in the database, the file calls it '{name}': importing renames it; "
                             "check the code if this is not a rename"),
    "imp_why_name_mismatch": ("'{name}' bukan nama {column} {code}: di basis data {code} bernama '{known}'; periksa "
                              "kodenya (baris diterima)",
                              "'{name}' is not the name of {column} {code}: in the database {code} is '{known}'; "
                              "check the code (the row was accepted)"),
    "imp_why_branch_not_regency_branch": ("kabupaten/kota {regency} termasuk cabang {own} dalam peta kabupaten/kota "
                                          "→ cabang, bukan {branch}; baris ini dihitung di cabang {branch}",
                                          "regency {regency} belongs to branch {own} in the regency → branch map, not "
                                          "{branch}; the row counts in branch {branch}"),
    # --- programme tables (jkn_core.programmes.import_rules gives these as plain English text) -----------------
    "imp_why_rehab_arrears_months": ("Aturan Rehab: menunggak {months} bulan; rencana butuh {min}-{max}",
                                     "Rehab rule: {months} months in arrears; a plan needs {min}-{max}"),
    "imp_why_rehab_stages": ("Aturan Rehab: {stages} tahap; rencana punya 1-{max} tahap",
                             "Rehab rule: {stages} stages; a plan has 1-{max}"),
    "imp_why_rehab_registration_window": ("Aturan Rehab: pendaftaran pada {date} di luar tanggal 1-{last} bulan itu",
                                          "Rehab rule: registration on {date} is outside days 1-{last} of the month"),
    "imp_why_rehab_first_period": ("Aturan Rehab: first_period {period} bukan bulan enrolled_on {date} ({month})",
                                   "Rehab rule: first_period {period} is not the month of enrolled_on {date} ({month})"),
    "imp_why_rehab_stage_amount": ("stage_amount_rp {amount} bukan debt_rp / stages dibulatkan ke bawah ({expected})",
                                   "stage_amount_rp {amount} is not debt_rp / stages rounded down ({expected})"),
    "imp_why_rehab_debt_split": ("debt_rp {debt} tidak dapat dibagi menjadi {stages} tahap",
                                 "debt_rp {debt} cannot be split into {stages} stages"),
    "imp_why_rehab_needs_ended": ("status {status} memerlukan bulan rencana berakhir (ended_period)",
                                  "status {status} needs the month the plan ended (ended_period)"),
    "imp_why_rehab_ended_while_active": ("ended_period {period} diisi padahal rencana masih aktif",
                                         "ended_period {period} is given but the plan is active"),
    "imp_why_rehab_ended_before_first": ("ended_period {ended} sebelum first_period {first}",
                                         "ended_period {ended} is before first_period {first}"),
    "imp_why_not_family_branch": ("branch_code {branch} bukan cabang keluarga itu ({family_branch})",
                                  "branch_code {branch} is not the family's branch ({family_branch})"),
    "imp_why_rehab_segment": ("Aturan Rehab: keluarga {family} bersegmen {segment}; hanya {segments} yang boleh ikut",
                              "Rehab rule: family {family} is segment {segment}; only {segments} may enrol"),
    "imp_why_rehab_stage_no": ("Aturan Rehab: stage_no {stage}; tahap bernomor 1-{max}",
                               "Rehab rule: stage_no {stage}; stages are 1-{max}"),
    "imp_why_rehab_paid_late": ("Aturan Rehab: paid_on {date} setelah bulan tahap itu {period}: tahap yang terlewat "
                                "membatalkan rencana, tidak bisa dibayar terlambat",
                                "Rehab rule: paid_on {date} is after the stage's month {period}: a missed stage "
                                "cancels the plan, it cannot be paid late"),
    "imp_why_rehab_no_such_stage": ("Aturan Rehab: rencana {plan} punya {stages} tahap; tahap {stage} tidak ada",
                                    "Rehab rule: plan {plan} has {stages} stages; stage {stage} does not exist"),
    "imp_why_rehab_stage_due": ("tahap {stage} rencana {plan} jatuh tempo pada {due}, bukan {period}",
                                "stage {stage} of plan {plan} is due in {due}, not {period}"),
    "imp_why_fee_rate_needed": ("fee_rule share_of_collected memerlukan fee_rate (bagian antara 0 dan 1)",
                                "fee_rule share_of_collected needs fee_rate (a share between 0 and 1)"),
    "imp_why_fee_per_success_needed": ("fee_rule per_success memerlukan fee_per_success_rp",
                                       "fee_rule per_success needs fee_per_success_rp"),
    "imp_why_period_to_before_from": ("period_to {end} sebelum period_from {start}",
                                      "period_to {end} is before period_from {start}"),
    "imp_why_eligibility_json": ('eligibility harus JSON seperti {{"segments": ["PBPU", "BP"], "kelas": [3], '
                                 '"provinces": ["32", "36"]}}',
                                 'eligibility must be JSON like {{"segments": ["PBPU", "BP"], "kelas": [3], '
                                 '"provinces": ["32", "36"]}}'),
    "imp_why_status_period_before": ("status_period {status_period} sebelum bulan penugasan {period}",
                                     "status_period {status_period} is before the assignment's period {period}"),
    "imp_why_holdout_contacted": ("keluarga holdout tidak diberi perlakuan: tidak boleh dihubungi",
                                  "a holdout family is not treated: it cannot be contacted"),
    # --- the import report's lines (Import page caption, command line) -------------------------------------------
    "imp_sum_file": ("file", "file"),
    "imp_sum_rejected": ("{table}: {file} ditolak dengan {n} masalah; tidak ada yang ditulis",
                         "{table}: {file} rejected with {n} problem(s); nothing was written"),
    "imp_sum_counts": ("{table}: {rows} baris dalam {file}: {inserted} baru, {updated} diperbarui, {unchanged} tidak "
                       "berubah",
                       "{table}: {rows} row(s) in {file}: {inserted} inserted, {updated} updated, {unchanged} "
                       "unchanged"),
    "imp_sum_changes": ("; {n} nilai berubah ({columns})", "; {n} value{s} changed ({columns})"),
    "imp_sum_families": (", {n} keluarga dibuat", ", {n} {families} created"),
    "imp_sum_moved": ("; dipindah ke cabang baru kabupaten/kotanya: {rows}",
                      "; moved to their regency's new branch: {rows}"),
    "imp_sum_name_warnings": ("; {n} peringatan nama", "; {n} name warning(s)"),
    "imp_sum_dry_run": (" (uji coba: tidak ada yang ditulis)", " (dry run: nothing written)"),
    "imp_sum_table_families": ("keluarga", "families"),
    "imp_sum_table_participants": ("peserta", "participants"),
    "imp_sum_table_facilities": ("fasilitas", "facilities"),
    "imp_cli_name_warnings": ("{n} peringatan nama: nama di file bukan nama kode itu di basis data",
                              "{n} name warning(s): the name in the file is not the code's name in the database"),
    "imp_cli_warning": ("peringatan: {w}", "warning: {w}"),
    "imp_cli_incident": ("rincian insiden {incident} ada di {log}", "the details of incident {incident} are in {log}"),
    "imp_cli_rows": ("{done}/{total} baris", "{done}/{total} rows"),
    # --- schema help of the newer tables (the Import page) ------------------------------------------------------
    "imp_table_claims": ("Klaim satu bulan dari sebuah rumah sakit (FKRTL) kepada BPJS Kesehatan: jumlah, berkas "
                         "dikembalikan, dispute, kelengkapan dan pembayaran (Peraturan BPJS Kesehatan 7/2018). "
                         "`days_to_payment` dan `penalty_rp` dihitung setelah impor dari tanggal dan jumlahnya (1 % "
                         "per bulan keterlambatan yang sudah berjalan).",
                         "One month of claims of a hospital (FKRTL) to BPJS Kesehatan: amounts, returns, disputes, "
                         "completeness and payment (Peraturan BPJS Kesehatan 7/2018). `days_to_payment` and "
                         "`penalty_rp` are computed after the import from the dates and amounts (1 % per started "
                         "month paid late)."),
    "imp_field_claims__service_period": ("bulan pelayanan", "month of the care"),
    "imp_field_claims__hospital_class": ("kelas rumah sakit", "hospital class"),
    "imp_field_claims__submitted_on": ("tanggal BPJS menerima klaim", "date BPJS received the claim"),
    "imp_field_claims__amount_submitted_rp": ("jumlah yang diajukan", "amount claimed"),
    "imp_field_claims__amount_verified_rp": ("jumlah yang terverifikasi", "amount verified"),
    "imp_field_claims__returned_rp": ("jumlah yang dikembalikan karena berkas kurang",
                                      "amount returned for missing documents"),
    "imp_field_claims__return_reason": ("alasan pengembalian", "why it was returned"),
    "imp_field_claims__disputed_rp": ("jumlah dispute / pending", "amount disputed / pending"),
    "imp_field_claims__dispute_reason": ("alasan dispute", "why it is disputed"),
    "imp_field_claims__complete_on": ("tanggal berita acara kelengkapan; kosong: dianggap lengkap 10 hari setelah "
                                      "diterima",
                                      "date of the berita acara kelengkapan; empty: deemed complete 10 days after "
                                      "receipt"),
    "imp_field_claims__payment_due_on": ("hari terakhir membayar tanpa denda; kosong: complete_on + 15 hari",
                                         "last day to pay without penalty; empty: complete_on + 15 days"),
    "imp_field_claims__paid_on": ("tanggal BPJS membayar (kosong: belum dibayar)", "date BPJS paid (empty: not paid yet)"),
    "imp_field_claims__amount_paid_rp": ("jumlah yang dibayar", "amount paid"),
    "imp_table_partners": ("Mitra penagihan: LPD per desa adat (imbalan: bagian dari yang ditagihnya), Kader JKN "
                           "(wilayah, kapasitas, imbalan per keberhasilan) atau sponsor CSR (anggaran, periode, "
                           "kriteria). Membuat mitra baru dan memperbarui yang ada menurut kode (kolom yang tidak ada "
                           "di file tetap menyimpan nilainya).",
                           "Collection partners: an LPD per desa adat (fee: a share of what it collects), a Kader JKN "
                           "(territory, capacity, fee per success) or a CSR sponsor (budget, period, eligibility). "
                           "Creates new partners and updates existing ones by code (a column left out keeps its "
                           "stored values)."),
    "imp_field_partners__code": ("kode mitra (kunci alami)", "partner code (natural key)"),
    "imp_field_partners__kind": ("lpd, kader atau csr_sponsor", "lpd, kader or csr_sponsor"),
    "imp_field_partners__name": ("nama mitra", "partner name"),
    "imp_field_partners__branch_code": ("Kantor Cabang tempat mitra bekerja (kosong: seprovinsi atau nasional)",
                                        "Kantor Cabang the partner works with (empty: province-wide or national)"),
    "imp_field_partners__province_code": ("provinsi mitra tanpa cabang (kosong: nasional)",
                                          "province of a branch-less partner (empty: national)"),
    "imp_field_partners__territory": ("desa adat / kecamatan", "desa adat / kecamatan"),
    "imp_field_partners__capacity": ("keluarga per bulan (kosong: tanpa batas)", "families a month (empty: no limit)"),
    "imp_field_partners__fee_rule": ("cara imbalan dihitung dari keberhasilan yang tercatat",
                                     "how fees follow from recorded successes"),
    "imp_field_partners__fee_rate": ("bagian dari Rupiah yang tertagih (share_of_collected)",
                                     "share of the Rupiah collected (share_of_collected)"),
    "imp_field_partners__fee_per_success_rp": ("imbalan per keluarga yang membayar (per_success)",
                                               "fee per paying family (per_success)"),
    "imp_field_partners__budget_rp": ("anggaran sponsor CSR", "CSR sponsor's budget"),
    "imp_field_partners__period_from": ("bulan pertama kemitraan", "first month of the partnership"),
    "imp_field_partners__period_to": ("bulan terakhir kemitraan", "last month of the partnership"),
    "imp_field_partners__eligibility": ('kriteria peserta sebagai JSON, mis. {"segments": ["PBPU", "BP"], "kelas": [3], '
                                        '"provinces": ["32", "36"]}',
                                        'eligibility rule as JSON, e.g. {"segments": ["PBPU", "BP"], "kelas": [3], '
                                        '"provinces": ["32", "36"]}'),
    "imp_field_partners__active": ("mitra menerima penugasan baru", "the partner takes new assignments"),
    "imp_table_partner_assignments": ("Keluarga yang ditugaskan ke suatu program atau tindakan (lewat mitra bila "
                                      "perlu), dengan hasilnya sejauh ini. `holdout` menandai keluarga yang disisihkan "
                                      "secara acak (ditugaskan, tidak diberi perlakuan).",
                                      "Families assigned to a programme or action (through a partner where it needs "
                                      "one), with the outcome so far. `holdout` marks a randomly held-out family "
                                      "(assigned, not treated)."),
    "imp_field_partner_assignments__id": ("nomor penugasan (kunci alami)", "assignment number (natural key)"),
    "imp_field_partner_assignments__family_id": ("nomor keluarga", "family id"),
    "imp_field_partner_assignments__programme": ("rehab, lpd, kader, csr, call, visit, sms, …",
                                                 "rehab, lpd, kader, csr, call, visit, sms, …"),
    "imp_field_partner_assignments__partner_id": ("mitra (`partners.id`), kosong untuk tindakan tanpa mitra",
                                                  "partner (`partners.id`), empty for an action without partner"),
    "imp_field_partner_assignments__period": ("bulan penugasan", "month assigned"),
    "imp_field_partner_assignments__holdout": ("disisihkan secara acak (tidak diberi perlakuan)",
                                               "held out at random (not treated)"),
    "imp_field_partner_assignments__status": ("hasil sejauh ini", "outcome so far"),
    "imp_field_partner_assignments__status_period": ("bulan hasil itu", "month of the outcome"),
    "imp_field_partner_assignments__collected_rp": ("Rupiah yang tertagih", "Rupiah collected"),
    "imp_field_partner_assignments__assigned_by": ("yang menugaskan", "who assigned"),
    "imp_table_rehab_plans": ("Rencana Pembayaran Bertahap (Rehab). Setiap aturan Rehab diperiksa: PBPU/BP, menunggak "
                              "4–24 bulan, 1–12 tahap, pendaftaran tanggal 1–28 (1–27 di bulan Februari), tahap 1 "
                              "jatuh tempo di bulan pendaftaran. Impor rencana sebelum pembayaran tahapnya.",
                              "Rehab instalment plans (Rencana Pembayaran Bertahap). Every Rehab rule is checked: "
                              "PBPU/BP, 4–24 months in arrears, 1–12 stages, registration on days 1–28 (1–27 in "
                              "February), stage 1 due in the month of enrolment. Import the plans before their stage "
                              "payments."),
    "imp_field_rehab_plans__id": ("nomor rencana (kunci alami)", "plan number (natural key)"),
    "imp_field_rehab_plans__family_id": ("nomor keluarga", "family id"),
    "imp_field_rehab_plans__enrolled_on": ("tanggal pendaftaran", "registration date"),
    "imp_field_rehab_plans__arrears_months": ("bulan menunggak saat mendaftar (4–24)",
                                              "months in arrears at enrolment (4–24)"),
    "imp_field_rehab_plans__debt_rp": ("tunggakan saat mendaftar", "arrears at enrolment"),
    "imp_field_rehab_plans__stages": ("jumlah tahap yang dipilih (1–12)", "number of stages chosen (1–12)"),
    "imp_field_rehab_plans__stage_amount_rp": ("tagihan per tahap: debt_rp / stages dibulatkan ke bawah (tahap "
                                               "terakhir menanggung sisanya)",
                                               "stage bill: debt_rp / stages rounded down (the last stage takes the "
                                               "remainder)"),
    "imp_field_rehab_plans__first_period": ("bulan jatuh tempo tahap 1 (bulan enrolled_on)",
                                            "month stage 1 is due (the month of enrolled_on)"),
    "imp_field_rehab_plans__status": ("active, completed atau cancelled", "active, completed or cancelled"),
    "imp_field_rehab_plans__ended_period": ("bulan rencana selesai atau dibatalkan",
                                            "month the plan completed or was cancelled"),
    "imp_table_rehab_payments": ("Tahap-tahap rencana Rehab: bulan jatuh tempo, jumlah dan, setelah dibayar, tanggal "
                                 "bayar dan kanalnya. Rencananya harus sudah ada.",
                                 "The stages of the Rehab plans: due month, amount and, once paid, the payment date "
                                 "and channel. The plans must already exist."),
    "imp_field_rehab_payments__plan_id": ("nomor rencana", "plan number"),
    "imp_field_rehab_payments__stage_no": ("tahap (1–12)", "stage (1–12)"),
    "imp_field_rehab_payments__period": ("bulan jatuh tempo tahap", "month the stage is due"),
    "imp_field_rehab_payments__paid_on": ("tanggal bayar; kosong selama belum dibayar", "payment date; empty while unpaid"),
    "imp_field_rehab_payments__amount_rp": ("tagihan tahap", "stage bill"),
    "imp_field_rehab_payments__channel": ("kanal pembayaran", "payment channel"),
    "imp_field_participants__sex": ("L = laki-laki, P = perempuan", "L = male, P = female"),
    "imp_field_facility_months__contact_rate_pm": ("Angka Kontak, per mil (target >= 150)",
                                                   "Angka Kontak, per mil (target >= 150)"),
    "imp_field_branches__region_code": ("Kedeputian Wilayah", "Kedeputian Wilayah"),
    # --- every table's rules (the Import page; the English text is the spec's own) -------------------------------
    "imp_rule_participants_1": ("`registered_period`, bila diisi, sama dengan bulan `registered_on`; bila kosong "
                                "diturunkan.",
                                "`registered_period`, when given, equals the month of `registered_on`; when empty it "
                                "is derived."),
    "imp_rule_participants_2": ("`fktp_code` harus fasilitas FKTP (level `FKTP`).",
                                "`fktp_code` must be an FKTP facility (level `FKTP`)."),
    "imp_rule_participants_3": ("Keluarga: lihat *aturan keluarga* di dokumentasi impor.",
                                "Families: see *The family rule* below."),
    "imp_rule_participants_4": ("`nik`, `name`, `birth_date` dan `fktp_code` boleh tidak ada (ekstrak pemodelan): "
                                "dasbor lalu menampilkan `—` untuk nama dan NIK, dan orang itu tidak punya FKTP "
                                "terdaftar. Tahun lahir saja ditulis di `birth_year` (memberi umur kepala keluarga; "
                                "`birth_date` tetap kosong); bila keduanya diisi, harus cocok.",
                                "`nik`, `name`, `birth_date` and `fktp_code` may be left out (a modelling extract): "
                                "the dashboard then shows `—` for the name and the NIK, and the person has no "
                                "registered FKTP. A birth year alone goes in `birth_year` (it gives the family head's "
                                "age; `birth_date` stays empty); when both are given they must agree."),
    "imp_rule_families_1": ("Keluarga yang sudah ada diperbarui; file peserta tidak pernah mengubah keluarga yang "
                            "tidak dibuatnya.",
                            "Existing families are updated; a participants file never changes a family it did not "
                            "create."),
    "imp_rule_families_2": ("`arrears_before_months` membawa riwayat keluarga yang lebih tua dari buku iuran ke fitur "
                            "model tunggakan (deret tunggakan saat buku iuran dimulai).",
                            "`arrears_before_months` carries the family's history older than the ledger into the "
                            "delinquency features (the arrears run it starts the ledger with)."),
    "imp_rule_contributions_1": ("Keluarganya harus sudah ada dan membayar sendiri (segmen `PBPU` atau `BP`).",
                                 "The family must exist and be self-paying (segment `PBPU` or `BP`)."),
    "imp_rule_contributions_2": ("`paid_date` tidak sebelum tanggal 1 bulan tagihan `period`.",
                                 "`paid_date` is not before the first day of the billing month `period`."),
    "imp_rule_contributions_3": ("`paid` > 0 memerlukan `paid_date`.", "`paid` > 0 needs a `paid_date`."),
    "imp_rule_contributions_4": ("`paid_period`, bila diisi, sama dengan bulan `paid_date` (dan kosong tanpa "
                                 "`paid_date`); bila kosong diturunkan.",
                                 "`paid_period`, when given, equals the month of `paid_date` (and is empty without "
                                 "one); when empty it is derived."),
    "imp_rule_facilities_1": ("`contract_start` <= `contract_end` (keduanya boleh di masa depan: kontrak ditandatangani "
                              "lebih awal).",
                              "`contract_start` <= `contract_end` (both may lie in the future: contracts are signed "
                              "ahead)."),
    "imp_rule_facilities_2": ("`type` sesuai `level`: jenis FKTP adalah `puskesmas`, `klinik_pratama`, `dpp`, "
                              "`dokter_gigi`, `klinik_tni_polri`; jenis FKRTL adalah `rumah_sakit`.",
                              "`type` matches `level`: FKTP types are `puskesmas`, `klinik_pratama`, `dpp`, "
                              "`dokter_gigi`, `klinik_tni_polri`; FKRTL types are `rumah_sakit`."),
    "imp_rule_facility_months_1": ("`facility_code` harus fasilitas FKTP.", "`facility_code` must be an FKTP facility."),
    "imp_rule_targets_1": ("`code` kosong untuk level `national`; untuk `region` harus ada di `regions.code`, untuk "
                           "`branch` di `branches.code`, untuk `province` di `provinces.code`, untuk `regency` di "
                           "`regencies.code`.",
                           "`code` is empty for level `national`; for `region` it must exist in `regions.code`, for "
                           "`branch` in `branches.code`, for `province` in `provinces.code`, for `regency` in "
                           "`regencies.code`."),
    "imp_rule_targets_2": ("KPI yang namanya berakhiran `_pct` punya target paling tinggi 100.",
                           "A KPI whose name ends in `_pct` has a target of at most 100."),
    "imp_rule_sif_loans_1": ("`facility_code` harus fasilitas FKTP.", "`facility_code` must be an FKTP facility."),
    "imp_rule_sif_loans_2": ("`defaulted` = true memerlukan `default_period`, yang tidak sebelum `start_period`; "
                             "`default_period` tetap kosong bila `defaulted` bernilai false.",
                             "`defaulted` = true needs a `default_period`, which is not before `start_period`; "
                             "`default_period` stays empty when `defaulted` is false."),
    "imp_rule_claims_1": ("`facility_code` harus rumah sakit (FKRTL).", "`facility_code` must be a hospital (FKRTL)."),
    "imp_rule_claims_2": ("`complete_on` 0–10 hari setelah `submitted_on`; `payment_due_on` adalah `complete_on` + 15 "
                          "hari; `paid_on` tidak sebelum `submitted_on`; `amount_verified_rp` <= `amount_submitted_rp`.",
                          "`complete_on` is 0–10 days after `submitted_on`; `payment_due_on` is `complete_on` + 15 "
                          "days; `paid_on` is not before `submitted_on`; `amount_verified_rp` <= "
                          "`amount_submitted_rp`."),
    "imp_rule_partners_1": ("`fee_rule` `share_of_collected` memerlukan `fee_rate`; `per_success` memerlukan "
                            "`fee_per_success_rp`.",
                            "`fee_rule` `share_of_collected` needs `fee_rate`; `per_success` needs "
                            "`fee_per_success_rp`."),
    "imp_rule_partners_2": ("`period_to` tidak sebelum `period_from`; `eligibility` berupa objek JSON berisi daftar.",
                            "`period_to` is not before `period_from`; `eligibility` is a JSON object of lists."),
    "imp_rule_partner_assignments_1": ("`branch_code` adalah cabang keluarganya; `status_period` tidak sebelum "
                                       "`period`.",
                                       "`branch_code` is the family's branch; `status_period` is not before "
                                       "`period`."),
    "imp_rule_partner_assignments_2": ("Imbalan terutang (`fee_rp`) tidak diimpor: dihitung dari aturan imbalan mitra "
                                       "setelah impor.",
                                       "The fee owed (`fee_rp`) is not imported: it follows from the partner's fee "
                                       "rule after the import."),
    "imp_rule_rehab_plans_1": ("Aturan Rehab: keluarganya PBPU/BP; `arrears_months` 4–24; `stages` 1–12; "
                               "`enrolled_on` pada tanggal 1–28 (1–27 di bulan Februari); `first_period` adalah bulan "
                               "`enrolled_on`; `stage_amount_rp` = `debt_rp` / `stages` dibulatkan ke bawah.",
                               "Rehab rules: the family is PBPU/BP; `arrears_months` 4–24; `stages` 1–12; "
                               "`enrolled_on` on days 1–28 (1–27 in February); `first_period` is the month of "
                               "`enrolled_on`; `stage_amount_rp` = `debt_rp` / `stages` rounded down."),
    "imp_rule_rehab_plans_2": ("`ended_period` diisi tepat bila `status` bukan `active`, dan tidak sebelum "
                               "`first_period`.",
                               "`ended_period` is given exactly when `status` is not `active`, and not before "
                               "`first_period`."),
    "imp_rule_rehab_plans_3": ("Status peserta berasal dari impor peserta (rencana tidak mengubahnya).",
                               "Participant statuses come from the participants import (the plan does not change "
                               "them)."),
    "imp_rule_rehab_payments_1": ("Aturan Rehab: `stage_no` 1–12 dan paling banyak `stages` rencananya; `period` adalah "
                                  "`first_period` rencana + `stage_no` − 1; tahap dibayar paling lambat akhir bulannya "
                                  "(`paid_on` lebih lambat berarti tahap terlewat, yang membatalkan rencana).",
                                  "Rehab rules: `stage_no` 1–12 and at most the plan's `stages`; `period` is the "
                                  "plan's `first_period` + `stage_no` − 1; a stage is paid by the end of its month "
                                  "(`paid_on` later is a missed stage, which cancels the plan)."),
    "imp_rule_regencies_1": ("File peta boleh hanya berisi `code` dan `branch_code`: `name` dan `province_code` hanya "
                             "diperlukan untuk kabupaten/kota baru (yang sudah ada menyimpan nilainya).",
                             "A map file may hold only `code` and `branch_code`: `name` and `province_code` are needed "
                             "for a new regency only (an existing one keeps its stored values)."),
    "imp_rule_regencies_2": ("`province_code` adalah dua digit pertama `code`.",
                             "`province_code` is the first two digits of `code`."),
    "imp_rule_regencies_3": ("Kabupaten/kota yang `branch_code`-nya berubah pindah ke cabang itu beserta keluarga, "
                             "peserta dan fasilitasnya.",
                             "A regency whose `branch_code` changes moves to that branch with its families, "
                             "participants and facilities."),
    "imp_rule_reference_figures_1": ("`code` kosong untuk level `national`; selain itu harus ada di tabel levelnya.",
                                     "`code` is empty for level `national`; otherwise it must exist in the level's "
                                     "table."),
}
