"""Indonesian first and last names and clinic name words the generator draws from (synthetic people only)."""

FIRST_NAMES = ("Agus Budi Siti Dewi Sri Ahmad Muhammad Nur Rina Putu Made Wayan Ketut Yohanes Maria Andi "
               "Rizky Fitri Indah Eko Dwi Tri Hendra Wahyu Rahmat Yusuf Ayu Lestari Bambang Joko Slamet "
               "Fajar Ratna Intan Nyoman Komang Gede Yuliana Hasan Ismail").split()
LAST_NAMES = ("Saputra Wijaya Santoso Hidayat Kurniawan Pratama Setiawan Siregar Nasution Harahap Lubis "
              "Simanjuntak Sihombing Tanjung Rahman Gunawan Susanto Hartono Halim Sinaga Pangaribuan "
              "Wibowo Permana Nugroho Purba Manurung Daeng Mandagi Wenda Kogoya Rumbewas Sulistyo").split()
CLINIC_WORDS = ("Sehat Medika Husada Utama Mitra Keluarga Bunda Sentosa Harapan Prima Bakti Mulia Amanah "
                "Sejahtera Citra Permata Kasih").split()
