"""UI strings in Bahasa Indonesia (default) and English. ``t(key, lang)``; unknown keys show the key."""

from __future__ import annotations

LANGS = ("id", "en")

STRINGS: dict[str, tuple[str, str]] = {
    "app_title": ("Dasbor Keputusan JKN", "JKN Decision Dashboard"),
    "synthetic_notice": ("Data sintetis (demo) — bukan data peserta sebenarnya.",
                         "Synthetic (demo) data — not real participant data."),
    "first_start": ("Menyiapkan basis data demo untuk pertama kali…", "Preparing the demo database for the first time…"),
    "sign_in": ("Masuk", "Sign in"),
    "sign_out": ("Keluar", "Sign out"),
    "username": ("Nama pengguna", "Username"),
    "password": ("Kata sandi", "Password"),
    "sign_in_failed": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "session_expired": ("Sesi berakhir karena tidak aktif. Silakan masuk lagi.",
                        "Your session expired after inactivity. Please sign in again."),
    "demo_users": ("Pengguna demo", "Demo users"),
    "signed_in_as": ("Masuk sebagai", "Signed in as"),
    "language": ("Bahasa", "Language"),
    "group_directors": ("Direksi", "Directors"),
    "group_branch": ("Kantor Cabang", "Branch"),
    "group_bank": ("Bank / SIF", "Bank / SIF"),
    "group_admin": ("Admin", "Admin"),
    "page_overview": ("Ringkasan Eksekutif", "Executive overview"),
    "page_coverage": ("Cakupan Kepesertaan", "Coverage"),
    "page_arrears": ("Tunggakan & Kolektabilitas", "Arrears & collectability"),
    "page_capacity": ("Kapasitas Faskes", "Facility capacity"),
    "page_work_queue": ("Antrian Penagihan", "Collections work queue"),
    "page_model_delinquency": ("Model Risiko Tunggakan", "Delinquency model"),
    "page_sif_officer": ("Penilaian Kredit SIF", "SIF credit assessment"),
    "page_sif_portfolio": ("Portofolio SIF", "SIF portfolio"),
    "page_model_sif": ("Model Kelayakan SIF", "SIF suitability model"),
    "page_admin_users": ("Pengguna", "Users"),
    "page_admin_import": ("Impor Data", "Data import"),
    "page_admin_audit": ("Log Audit", "Audit log"),
    "page_admin_targets": ("Target KPI", "KPI targets"),
    "participants": ("Peserta", "Participants"),
    "active_participants": ("Peserta aktif", "Active participants"),
    "population": ("Penduduk", "Population"),
    "coverage": ("Cakupan", "Coverage"),
    "active_coverage": ("Cakupan aktif", "Active coverage"),
    "collectability": ("Kolektabilitas iuran", "Contribution collectability"),
    "arrears": ("Tunggakan", "Arrears"),
    "arrears_people": ("Peserta menunggak", "Participants in arrears"),
    "fktp": ("FKTP", "FKTP"),
    "fkrtl": ("FKRTL", "FKRTL"),
    "participants_per_doctor": ("Peserta per dokter", "Participants per doctor"),
    "period": ("Periode", "Period"),
    "region": ("Kedeputian Wilayah", "Regional deputy office"),
    "branch": ("Kantor Cabang", "Branch office"),
    "regency": ("Kabupaten/Kota", "Regency/city"),
    "province": ("Provinsi", "Province"),
    "all": ("Semua", "All"),
    "nation": ("Nasional", "National"),
    "target": ("Target", "Target"),
    "segment": ("Segmen", "Segment"),
    "download_csv": ("Unduh CSV", "Download CSV"),
    "download_xlsx": ("Unduh Excel", "Download Excel"),
    "no_data": ("Tidak ada data untuk pilihan ini.", "No data for this selection."),
    "not_allowed": ("Anda tidak berhak membuka halaman ini.", "You may not open this page."),
}


#: Feature areas keep their strings in their own module (a dict named STRINGS), merged here.
_AREA_MODULES = ("jkn_core.i18n.directors", "jkn_core.i18n.collection", "jkn_core.i18n.sif",
                 "jkn_core.i18n.admin")


def _merge_areas() -> None:
    import importlib

    for name in _AREA_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        STRINGS.update(module.STRINGS)


_merge_areas()


def t(key: str, lang: str = "id") -> str:
    pair = STRINGS.get(key)
    if pair is None:
        return key
    return pair[0] if lang != "en" else pair[1]
