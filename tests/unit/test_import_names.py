"""Name-vs-code comparison of the importer (issue 12 item 3): what counts as the same name, no database."""

from __future__ import annotations

import pytest

from jkn_core.imports import SPECS
from jkn_core.imports.names import canonical, same_name


@pytest.mark.parametrize(("a", "b"), [
    ("Kota Surabaya", "KOTA  SURABAYA"),
    ("Surabaya", "Kota Surabaya"),
    ("Kab. Bogor", "Kabupaten Bogor"),
    ("Kab Bogor", "kabupaten bogor"),
    ("Kabupaten Administrasi Kepulauan Seribu", "Kab. Adm. Kepulauan Seribu"),
    ("Kota Adm. Jakarta Pusat", "Kota Administrasi Jakarta Pusat"),
    ("Provinsi D.I. Yogyakarta", "DI Yogyakarta"),
    ("Kantor Cabang Palembang", "Palembang"),
    ("KC Palembang", "palembang"),
    ("Puskesmas  Sukarami", "puskesmas sukarami"),
    ("Kabupaten Toba", "Toba"),
])
def test_same_place_written_differently(a: str, b: str) -> None:
    assert same_name(a, b) and same_name(b, a)


@pytest.mark.parametrize(("a", "b"), [
    ("Probolinggo", "Kota Surabaya"),  # code 35.78 named Probolinggo: 35.78 is Kota Surabaya
    ("Kota Probolinggo", "Kabupaten Probolinggo"),  # a kota is never the kabupaten of the same name
    ("Kab. Bandung", "Kabupaten Bandung Barat"),
    ("Palembang", "Prabumulih"),
])
def test_different_places(a: str, b: str) -> None:
    assert not same_name(a, b) and not same_name(b, a)


def test_canonical_keeps_the_kind() -> None:
    assert canonical("Kab. Adm. Kepulauan Seribu") == ("kab", "kepulauan seribu")
    assert canonical("Kota Batu") == ("kota", "batu")
    assert canonical("Kota") == (None, "kota")  # a bare word is a name, not a prefix


def test_every_code_column_of_a_reference_may_carry_its_name() -> None:
    for spec in SPECS.values():
        for f in spec.fields:
            if f.refs in ("regencies.code", "branches.code", "facilities.code"):
                name = spec.get(f.name[: -len("_code")] + "_name")
                assert name.names == f.name and not name.required and not name.db, (spec.name, f.name)
