"""UI strings of the admin pages (users, imports, targets, audit): (Bahasa Indonesia, English)."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # users
    "adm_users_intro": ("Pengguna dasbor dan hak aksesnya. Kata sandi disimpan sebagai hash Argon2 "
                        "dan tidak pernah ditampilkan.",
                        "Dashboard users and their rights. Passwords are stored as Argon2 hashes and "
                        "never shown."),
    "adm_users_list": ("Daftar pengguna", "Users"),
    "adm_users_count": ("{n} pengguna, {active} aktif", "{n} users, {active} active"),
    "adm_new_user": ("Tambah pengguna", "Add a user"),
    "adm_role": ("Peran", "Role"),
    "adm_region": ("Kedeputian Wilayah", "Region"),
    "adm_branch": ("Kantor Cabang", "Branch"),
    "adm_bank": ("Nama bank", "Bank name"),
    "adm_password_hint": ("Minimal {n} karakter.", "At least {n} characters."),
    "adm_create": ("Buat pengguna", "Create user"),
    "adm_created": ("Pengguna {user} dibuat ({role}).", "User {user} created ({role})."),
    "adm_create_failed": ("Pengguna tidak dibuat: {reason}", "User not created: {reason}"),
    "adm_role_scope_national": ("Peran ini berlingkup nasional.", "This role is national."),
    "adm_activation": ("Aktifkan / nonaktifkan", "Activate / deactivate"),
    "adm_pick_user": ("Pengguna", "User"),
    "adm_activate": ("Aktifkan", "Activate"),
    "adm_deactivate": ("Nonaktifkan", "Deactivate"),
    "adm_activated": ("Pengguna {user} diaktifkan.", "User {user} activated."),
    "adm_deactivated": ("Pengguna {user} dinonaktifkan: tidak bisa masuk lagi.",
                        "User {user} deactivated: they can no longer sign in."),
    "adm_not_self": ("Anda tidak dapat menonaktifkan akun Anda sendiri.", "You cannot deactivate your own account."),
    "adm_col_username": ("Nama pengguna", "Username"),
    "adm_col_active": ("Aktif", "Active"),
    "adm_col_created": ("Dibuat", "Created"),
    "role_direksi": ("Direksi", "Board of directors"),
    "role_deputi_wilayah": ("Deputi Wilayah", "Regional deputy"),
    "role_kantor_cabang": ("Kantor Cabang", "Branch team"),
    "role_bank_officer": ("Petugas bank", "Bank officer"),
    "role_admin": ("Admin", "Admin"),
    # import
    "adm_import_intro": ("Muat data dari CSV atau Excel. Berkas diperiksa seluruhnya sebelum ditulis: satu "
                         "baris salah berarti tidak ada yang ditulis. Impor ulang berkas yang sama tidak "
                         "mengubah apa pun.",
                         "Load data from CSV or Excel. The whole file is checked before anything is "
                         "written: one bad row means nothing is written. Importing the same file again "
                         "changes nothing."),
    "adm_table": ("Tabel", "Table"),
    "adm_schema": ("Skema berkas", "File schema"),
    "adm_natural_key": ("Kunci alami (baris dengan kunci yang sama diperbarui): {key}",
                        "Natural key (rows with the same key are updated): {key}"),
    "adm_rules": ("Aturan", "Rules"),
    "adm_template": ("Unduh templat CSV", "Download CSV template"),
    "adm_col_column": ("Kolom", "Column"),
    "adm_col_type": ("Tipe", "Type"),
    "adm_col_required": ("Wajib", "Required"),
    "adm_col_allowed": ("Nilai yang diizinkan", "Allowed values"),
    "adm_col_meaning": ("Arti", "Meaning"),
    "adm_col_example": ("Contoh", "Example"),
    "adm_upload": ("Berkas (CSV atau XLSX, maks. {mb} MB)", "File (CSV or XLSX, max {mb} MB)"),
    "adm_too_big": ("Berkas {mb:.1f} MB melebihi batas {max} MB.", "The file is {mb:.1f} MB, over the {max} MB limit."),
    "adm_dry_run": ("Uji coba (hanya periksa dan hitung, tidak menulis)", "Dry run (check and count, write nothing)"),
    "adm_run_check": ("Periksa berkas", "Check file"),
    "adm_run_import": ("Impor", "Import"),
    "adm_progress": ("Memproses {done} dari {total} baris…", "Processing {done} of {total} rows…"),
    "adm_rejected": ("Berkas {file} ditolak: {n} masalah. Tidak ada data yang ditulis.",
                     "File {file} rejected: {n} problem(s). Nothing was written."),
    "adm_problems_download": ("Unduh daftar masalah (CSV)", "Download the problems (CSV)"),
    "adm_col_row": ("Baris", "Row"),
    "adm_col_reason": ("Alasan", "Reason"),
    "adm_dry_ok": ("Uji coba {file}: berkas valid. Jika diimpor:", "Dry run of {file}: the file is valid. If imported:"),
    "adm_done": ("Impor {file} ke {table} selesai.", "Imported {file} into {table}."),
    "adm_rows_in_file": ("Baris dalam berkas", "Rows in file"),
    "adm_inserted": ("Baru", "Inserted"),
    "adm_updated": ("Diperbarui", "Updated"),
    "adm_unchanged": ("Tidak berubah", "Unchanged"),
    "adm_families_created": ("Keluarga baru dibuat: {n}", "Families created: {n}"),
    "adm_warning": ("Peringatan: {w}", "Warning: {w}"),
    # targets
    "adm_targets_intro": ("Target KPI per tahun (nasional, wilayah, cabang). Target diubah dengan mengimpor "
                          "tabel `targets`.",
                          "KPI targets per year (national, region, branch). Targets are changed by "
                          "importing the `targets` table."),
    "adm_targets_edit": ("Ubah target lewat halaman impor", "Edit targets on the import page"),
    "adm_targets_empty": ("Belum ada target.", "No targets yet."),
    "adm_kpi": ("KPI", "KPI"),
    "adm_level": ("Tingkat", "Level"),
    "adm_code": ("Kode", "Code"),
    "adm_year": ("Tahun", "Year"),
    # audit
    "adm_audit_intro": ("Log audit hanya bisa ditambah: siapa, kapan, apa, dan lingkupnya.",
                        "The audit log is append-only: who, when, what, and their scope."),
    "adm_action": ("Aksi", "Action"),
    "adm_all_actions": ("Semua aksi", "All actions"),
    "adm_limit": ("Jumlah baris terbaru", "Newest rows"),
    "adm_audit_count": ("{n} entri ditampilkan", "{n} entries shown"),
    "adm_col_at": ("Waktu (UTC)", "Time (UTC)"),
    "adm_col_user": ("Pengguna", "User"),
    "adm_col_scope": ("Lingkup", "Scope"),
    "adm_col_detail": ("Rincian", "Detail"),
    # password reset (issue 18)
    "adm_reset": ("Atur ulang kata sandi", "Reset a password"),
    "adm_reset_intro": ("Kata sandi sementara: pengguna harus menggantinya saat masuk berikutnya, dan sesi "
                        "terbukanya diakhiri.",
                        "A temporary password: the user must change it at their next sign-in, and their "
                        "open sessions end."),
    "adm_reset_password": ("Kata sandi sementara", "Temporary password"),
    "adm_reset_repeat": ("Ulangi kata sandi sementara", "Repeat the temporary password"),
    "adm_reset_button": ("Atur ulang", "Reset"),
    "adm_reset_done": ("Kata sandi {user} diatur ulang.", "Password of {user} reset."),
    "adm_reset_failed": ("Gagal mengatur ulang: {reason}", "Reset failed: {reason}"),
    "adm_reset_not_self": ("Ganti kata sandi Anda sendiri di halaman Akun.",
                           "Change your own password on the Account page."),
    # name-vs-code warnings and moved regencies (imports)
    "adm_name_warnings": ("{n} baris: nama di berkas berbeda dengan nama kode di database. Baris ini tetap "
                          "diterima; periksa kodenya (mungkin salah tempat).",
                          "{n} row(s): the name in the file differs from the code's name in the database. "
                          "These rows are accepted; check their codes (they may land on the wrong place)."),
    "adm_name_warnings_download": ("Unduh peringatan nama (CSV)", "Download the name warnings (CSV)"),
    "adm_moved": ("Pindah ke kantor cabang baru bersama kabupaten/kotanya: {rows}.",
                  "Moved to their regency's new branch: {rows}."),
    "adm_moved_families": ("{n} keluarga", "{n} families"),
    "adm_moved_participants": ("{n} peserta", "{n} participants"),
    "adm_moved_facilities": ("{n} fasilitas kesehatan", "{n} facilities"),
}
