"""The demo's regency -> Kantor Cabang map: neighbouring regencies of one province grouped around a kota.

No authoritative list of the 126 branches and the regencies each serves is public (FACTS §8), and no
registry package gives kabupaten positions or adjacency offline (the project ships province outlines only),
so the grouping below is written by hand from the map of Indonesia. The rule, per province:

* each branch is a kota (or, where a province has fewer kota than branches, a kabupaten seat) with the
  kabupaten around it: first the kabupaten of the same name, which surrounds the kota it was split from
  (Kota and Kabupaten Bogor), then the kabupaten that border them, keeping split-off regencies with their
  parent (Nias, Nias Utara, Nias Barat, Nias Selatan);
* a branch is named after its kota or seat town, as BPJS names its offices (KC Meulaboh, KC Sampit);
* Kemendagri codes are **not** used as a proximity: within a province they follow the order in which the
  regencies were created, not where they lie.

Status of each grouping: **V** the branches named in the source articles and FACTS §8 (Palembang, Jakarta
Pusat, Jakarta Utara, Gianyar, Serang, Bandung, Pasuruan, Medan) with the regencies given there, and the 13
branch names of Kedeputian Wilayah VII (Jawa Timur, detik 2024); **S** the Divisi Regional I lists of
FACTS §8 (Aceh, Sumatera Utara, c. 2014-16); **E** everything else, including which regencies the other
12 Jawa Timur branches serve. The real map replaces this one with ``python -m jkn_core import regencies``.

Keys are Kemendagri province codes; each branch lists the two-digit regency suffixes (``"71"`` = ``PP.71``)
in the order of the branch codes (region number + sequence, e.g. ``0301`` Palembang).
"""

from __future__ import annotations

#: province code -> [(branch name, [regency suffixes])]; the status of each line is in the comment.
BRANCH_MAP: dict[str, list[tuple[str, list[str]]]] = {
    "11": [  # Aceh (S: FACTS §8 Divisi Regional I; Meulaboh E)
        ("Banda Aceh", ["71", "72", "06", "07", "18"]),
        ("Lhokseumawe", ["73", "08", "04", "11", "17"]),
        ("Langsa", ["74", "03", "16", "02", "13"]),
        ("Meulaboh", ["05", "14", "15", "12", "01", "09", "10", "75"]),
    ],
    "12": [  # Sumatera Utara (Medan V; the next four S; Lubuk Pakam, Padangsidimpuan E)
        ("Medan", ["71", "05", "75"]),
        ("Pematangsiantar", ["72", "08", "12", "17", "16"]),
        ("Kabanjahe", ["06", "11", "15"]),
        ("Sibolga", ["73", "01", "02", "04", "24", "25", "14", "78"]),
        ("Tanjungbalai", ["74", "09", "10", "19", "23", "22"]),
        ("Lubuk Pakam", ["07", "18", "76"]),
        ("Padangsidimpuan", ["77", "03", "13", "20", "21"]),
    ],
    "13": [  # Sumatera Barat (E)
        ("Padang", ["71", "05", "77", "09", "01"]),
        ("Bukittinggi", ["75", "06", "74", "04", "76", "07", "08", "12"]),
        ("Solok", ["72", "02", "11", "10", "03", "73"]),
    ],
    "14": [  # Riau (E)
        ("Pekanbaru", ["71", "01", "05", "08", "06"]),
        ("Dumai", ["72", "03", "07", "10"]),
        ("Rengat", ["02", "04", "09"]),
    ],
    "15": [  # Jambi (E)
        ("Jambi", ["71", "05", "04", "06", "07"]),
        ("Muara Bungo", ["08", "09", "02", "03", "01", "72"]),
    ],
    "16": [  # Sumatera Selatan (Palembang V; others E)
        ("Palembang", ["71", "06", "07", "10", "02"]),
        ("Prabumulih", ["74", "03", "12", "04", "72"]),
        ("Lubuk Linggau", ["73", "05", "13", "11"]),
        ("Baturaja", ["01", "08", "09"]),
    ],
    "17": [("Bengkulu", ["71", "09", "03", "06", "02", "07", "08", "05", "01", "04"])],  # E
    "18": [  # Lampung (E)
        ("Bandar Lampung", ["71", "01", "09"]),
        ("Metro", ["72", "02", "07"]),
        ("Kotabumi", ["03", "08", "05", "12", "11"]),
        ("Pringsewu", ["10", "06", "04", "13"]),
    ],
    "19": [("Pangkal Pinang", ["71", "01", "04", "05", "03", "02", "06"])],  # E
    "21": [("Batam", ["71", "02", "72", "01", "04", "05", "03"])],  # E
    "31": [  # DKI Jakarta (Jakarta Pusat, Jakarta Utara + Kepulauan Seribu V; others E)
        ("Jakarta Pusat", ["71"]),
        ("Jakarta Utara", ["72", "01"]),
        ("Jakarta Barat", ["73"]),
        ("Jakarta Selatan", ["74"]),
        ("Jakarta Timur", ["75"]),
    ],
    "32": [  # Jawa Barat (Bandung V; others E)
        ("Bandung", ["73", "04"]),
        ("Cimahi", ["77", "17"]),
        ("Bogor", ["71"]),
        ("Cibinong", ["01"]),
        ("Depok", ["76"]),
        ("Bekasi", ["75"]),
        ("Cikarang", ["16"]),
        ("Karawang", ["15"]),
        ("Purwakarta", ["14", "13"]),
        ("Sukabumi", ["72", "02"]),
        ("Cianjur", ["03"]),
        ("Garut", ["05"]),
        ("Tasikmalaya", ["78", "06"]),
        ("Ciamis", ["07", "79", "18"]),
        ("Cirebon", ["74", "09", "08"]),
        ("Indramayu", ["12"]),
        ("Sumedang", ["11", "10"]),
    ],
    "33": [  # Jawa Tengah (E)
        ("Semarang", ["74", "22", "73", "24"]),
        ("Kudus", ["19", "20", "21"]),
        ("Surakarta", ["72", "11", "13", "14", "09"]),
        ("Wonogiri", ["12"]),
        ("Klaten", ["10"]),
        ("Magelang", ["71", "08", "23", "07"]),
        ("Purwokerto", ["02", "03", "04"]),
        ("Cilacap", ["01"]),
        ("Kebumen", ["05", "06"]),
        ("Tegal", ["76", "28", "29"]),
        ("Pekalongan", ["75", "26", "25"]),
        ("Pemalang", ["27"]),
        ("Pati", ["18", "17", "16"]),
        ("Purwodadi", ["15"]),
    ],
    "34": [  # DI Yogyakarta (E)
        ("Yogyakarta", ["71", "04", "01"]),
        ("Wonosari", ["02", "03"]),
    ],
    "35": [  # Jawa Timur: 13 branch names V (detik 2024); Pasuruan's regencies V; the others' E
        ("Pasuruan", ["75", "14", "13", "74"]),
        ("Sidoarjo", ["15"]),
        ("Mojokerto", ["76", "16", "17"]),
        ("Surabaya", ["78"]),
        ("Malang", ["73", "07", "79"]),
        ("Tulungagung", ["04", "03", "05", "72"]),
        ("Gresik", ["25", "24"]),
        ("Madiun", ["77", "19", "20", "21", "02", "01"]),
        ("Jember", ["09", "08"]),
        ("Kediri", ["71", "06", "18"]),
        ("Banyuwangi", ["10", "12", "11"]),
        ("Pamekasan", ["28", "26", "27", "29"]),
        ("Bojonegoro", ["22", "23"]),
    ],
    "36": [  # Banten (Serang V; others E)
        ("Serang", ["73", "04", "72", "01", "02"]),
        ("Tangerang", ["71"]),
        ("Kab. Tangerang", ["03"]),
        ("Tangerang Selatan", ["74"]),
    ],
    "51": [  # Bali (Gianyar V; Denpasar E)
        ("Gianyar", ["04", "06", "05", "07"]),
        ("Denpasar", ["71", "03", "02", "01", "08"]),
    ],
    "52": [  # Nusa Tenggara Barat (E)
        ("Mataram", ["71", "01", "08", "02", "03"]),
        ("Sumbawa Besar", ["04", "07"]),
        ("Bima", ["72", "06", "05"]),
    ],
    "53": [  # Nusa Tenggara Timur (E)
        ("Kupang", ["71", "01", "14", "20", "02", "03", "04", "21"]),
        ("Ende", ["08", "09", "16", "07", "06", "13", "05"]),
        ("Ruteng", ["10", "15", "19"]),
        ("Waingapu", ["11", "12", "17", "18"]),
    ],
    "61": [  # Kalimantan Barat (E)
        ("Pontianak", ["71", "12", "02", "08", "04", "11"]),
        ("Singkawang", ["72", "01", "07"]),
        ("Sintang", ["05", "03", "09", "10", "06"]),
    ],
    "62": [  # Kalimantan Tengah (E)
        ("Palangkaraya", ["71", "11", "03", "10", "04", "13", "05", "12"]),
        ("Sampit", ["02", "06", "07", "01", "08", "09"]),
    ],
    "63": [  # Kalimantan Selatan (E)
        ("Banjarmasin", ["71", "72", "03", "04", "01", "05", "10", "02"]),
        ("Barabai", ["07", "06", "08", "09", "11"]),
    ],
    "64": [  # Kalimantan Timur (E)
        ("Samarinda", ["72", "02", "07", "11", "74", "08", "03"]),
        ("Balikpapan", ["71", "01", "09"]),
    ],
    "65": [  # Kalimantan Utara (E)
        ("Tarakan", ["71", "01", "04"]),
        ("Nunukan", ["03", "02"]),
    ],
    "71": [  # Sulawesi Utara (E)
        ("Manado", ["71", "73", "72", "02", "05", "06", "07", "03", "04", "09"]),
        ("Kotamobagu", ["74", "01", "08", "10", "11"]),
    ],
    "72": [  # Sulawesi Tengah (E)
        ("Palu", ["71", "03", "10", "08", "04", "05"]),
        ("Luwuk", ["01", "07", "11", "02", "09", "06", "12"]),
    ],
    "73": [  # Sulawesi Selatan (E)
        ("Makassar", ["71", "06", "09", "05", "10", "03", "04", "02", "01"]),
        ("Parepare", ["72", "11", "15", "14", "16"]),
        ("Palopo", ["73", "17", "22", "24", "18", "26"]),
        ("Watampone", ["08", "07", "13", "12"]),
    ],
    "74": [  # Sulawesi Tenggara (E)
        ("Kendari", ["71", "02", "05", "09", "12", "06", "01", "08", "11"]),
        ("Baubau", ["72", "04", "03", "07", "10", "13", "14", "15"]),
    ],
    "75": [("Gorontalo", ["71", "01", "03", "05", "02", "04"])],  # E
    "76": [("Mamuju", ["02", "06", "01", "03", "04", "05"])],  # E
    "81": [("Ambon", ["71", "01", "06", "05", "04", "09", "72", "02", "07", "03", "08"])],  # E
    "82": [("Ternate", ["71", "72", "01", "02", "03", "04", "05", "06", "07", "08"])],  # E
    "92": [("Manokwari", ["02", "11", "12", "06", "07", "03", "08"])],  # E
    "96": [("Sorong", ["71", "01", "02", "03", "04", "05"])],  # E
    "91": [  # Papua (E)
        ("Jayapura", ["71", "03", "11", "10", "20"]),
        ("Biak", ["06", "19", "05", "15"]),
    ],
    "93": [("Merauke", ["01", "02", "03", "04"])],  # E
    "94": [("Timika", ["04", "01", "02", "03", "05", "06", "07", "08"])],  # E
    "95": [("Wamena", ["01", "02", "03", "04", "05", "06", "07", "08"])],  # E
}
