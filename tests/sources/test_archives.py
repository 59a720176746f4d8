"""Untrusted zips: exact member, literal names, encryption, methods, bombs, truncation, full disk."""

from __future__ import annotations

import errno
import struct
import zipfile
from pathlib import Path
from typing import BinaryIO

import pytest

from pipeline.errors import DataError
from pipeline.sources import archives

ACTIVITY = "PS_LibreAcces_Personne_activite_202501150800.txt"


def make_zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def patch_headers(path: Path, *, flag: int | None = None, method: int | None = None,
                  declared_size: int | None = None) -> None:
    """Rewrite fields of the first local header and of its central directory entry (PKWARE APPNOTE §4.3.7, §4.3.12)."""
    data = bytearray(path.read_bytes())
    local, central = 0, data.index(b"PK\x01\x02")
    if flag is not None:
        struct.pack_into("<H", data, local + 6, flag)
        struct.pack_into("<H", data, central + 8, flag)
    if method is not None:
        struct.pack_into("<H", data, local + 8, method)
        struct.pack_into("<H", data, central + 10, method)
    if declared_size is not None:
        struct.pack_into("<I", data, local + 22, declared_size)
        struct.pack_into("<I", data, central + 24, declared_size)
    path.write_bytes(bytes(data))


def read(path: Path, **kwargs: object) -> bytes:
    with archives.open_text_source(path, **kwargs) as source:  # type: ignore[arg-type]
        return source.path.read_bytes()


def refused(path: Path, **kwargs: object) -> DataError:
    with pytest.raises(DataError) as err, archives.open_text_source(path, **kwargs):  # type: ignore[arg-type]
        pass
    return err.value


def test_plain_file_is_read_in_place(tmp_path: Path) -> None:
    path = tmp_path / ACTIVITY
    path.write_bytes(b"a|b|\n")
    with archives.open_text_source(path, prefix="PS_LibreAcces_Personne_activite") as source:
        assert source.path == path and source.member is None and source.shown == str(path)


def test_member_by_prefix_extracted_then_removed(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "PS_LibreAcces.zip", {ACTIVITY: b"a|b|\n1|2|\n", "autre.txt": b"x"})
    with archives.open_text_source(archive, prefix="ps_libreacces_personne_activite") as source:
        assert source.member == ACTIVITY and source.name == ACTIVITY
        assert source.shown == f"{archive}!{ACTIVITY}"
        assert source.path.read_bytes() == b"a|b|\n1|2|\n"
        copy = source.path
    assert not copy.exists() and not copy.parent.exists()


def test_glob_characters_are_literal(tmp_path: Path) -> None:
    star = "PS_LibreAcces_Personne_activite_*.txt"
    archive = make_zip(tmp_path / "a.zip", {star: b"etoile", ACTIVITY: b"vrai"})
    assert read(archive, member=star) == b"etoile"
    assert read(archive, member=ACTIVITY) == b"vrai"
    # « PS_* » is not a pattern: no member starts with those four characters.
    error = refused(archive, prefix="PS_*")
    assert error.message.startswith("L'archive ne contient aucun fichier « PS_*… »")
    # And a member named « * » is opened only when asked for by that exact name.
    assert refused(make_zip(tmp_path / "b.zip", {"*": b"x"}), member="anything").message.startswith(
        "L'archive ne contient pas le fichier « anything »"
    )


def test_ambiguous_or_absent_member(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {f"{ACTIVITY}.1": b"1", f"{ACTIVITY}.2": b"2"})
    error = refused(archive, prefix="PS_LibreAcces_Personne_activite")
    assert "plusieurs fichiers « PS_LibreAcces_Personne_activite… »" in error.message
    assert error.path == str(archive)
    assert "aucun fichier" in refused(archive, prefix="PS_LibreAcces_SavoirFaire").message


def test_member_name_cannot_escape_the_temporary_folder(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {"../../evasion.txt": b"x"})
    with archives.open_text_source(archive, workdir=tmp_path / "work") as source:
        assert source.path.parent.parent == tmp_path / "work"
        assert source.path.read_bytes() == b"x"
    assert not (tmp_path / "evasion.txt").exists() and not (tmp_path.parent / "evasion.txt").exists()


def test_encrypted_member(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {ACTIVITY: b"a|b|\n"})
    patch_headers(archive, flag=0x1)
    error = refused(archive)
    assert error.message.startswith("Fichier chiffré (protégé par un mot de passe)")
    assert error.path == f"{archive}!{ACTIVITY}"


def test_winzip_aes_member_is_encrypted(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {ACTIVITY: b"a|b|\n"})
    patch_headers(archive, method=99)
    assert refused(archive).message.startswith("Fichier chiffré")


def test_deflate64_is_named(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {ACTIVITY: b"a|b|\n" * 100})
    patch_headers(archive, method=9)
    error = refused(archive)
    assert error.message.startswith("Méthode de compression non prise en charge : Deflate64")


def test_unknown_method_is_named_by_number(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {ACTIVITY: b"a|b|\n"})
    patch_headers(archive, method=77)
    assert "méthode n° 77" in refused(archive).message


def test_bomb_refused_on_its_declared_size(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bombe.zip", {ACTIVITY: bytes(2_000_000)})
    error = refused(archive, max_bytes=1_000_000)
    assert error.message.startswith("Archive suspecte (bombe de décompression ?) : taille déclarée")
    assert "2000000 octets" in error.message


def test_bomb_refused_on_its_compression_ratio(tmp_path: Path) -> None:
    # Two megabytes of zeros deflate to about two kilobytes: a ratio near 1000:1.
    archive = make_zip(tmp_path / "bombe.zip", {ACTIVITY: bytes(2_000_000)})
    error = refused(archive, ratio_from=1_000_000)
    assert error.message.startswith("Archive suspecte (bombe de décompression ?) : taux de compression déclaré")
    # The same content, small enough, is not judged on its ratio.
    assert len(read(archive)) == 2_000_000


def test_bomb_lying_about_its_sizes_is_stopped_while_streaming(tmp_path: Path) -> None:
    # The directory declares 1000 bytes: the streamed bytes are counted, and the copy stops there.
    archive = make_zip(tmp_path / "bombe.zip", {ACTIVITY: bytes(5_000_000)})
    patch_headers(archive, declared_size=1000)
    error = refused(archive, max_bytes=1_000_000)
    assert "corrompue" in error.message


def test_streamed_bytes_are_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Checked past the declared sizes: a member that streams more than the cap is cut short.
    archive = make_zip(tmp_path / "a.zip", {ACTIVITY: b"0123456789" * 200_000})
    monkeypatch.setattr(archives, "CHUNK_BYTES", 100_000)
    monkeypatch.setattr(archives, "_check_member", lambda *args: None)
    error = refused(archive, max_bytes=500_000)
    assert error.message.startswith("Archive suspecte (bombe de décompression ?) : plus de 500000 octets décompressés")


def test_truncated_zip_names_the_line_reached(tmp_path: Path) -> None:
    content = b"".join(b"ligne %d|x|\n" % i for i in range(1, 50_001))
    archive = make_zip(tmp_path / "a.zip", {ACTIVITY: content}, zipfile.ZIP_STORED)
    data = archive.read_bytes()
    archive.write_bytes(data[: data.index(b"ligne 40000|")])
    error = refused(archive)
    assert error.message.startswith("Archive ZIP illisible ou tronquée") and error.line == 40000


def test_corrupted_member_data(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {ACTIVITY: b"abcdefghij|\n" * 1000}, zipfile.ZIP_STORED)
    data = bytearray(archive.read_bytes())
    data[data.index(b"abcdefghij|\n") + 12 * 500] ^= 0xFF  # one byte of line 501
    archive.write_bytes(bytes(data))
    error = refused(archive)
    assert error.message.startswith("Archive ZIP corrompue ou tronquée")


def test_full_temporary_folder_is_the_system_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = make_zip(tmp_path / "a.zip", {ACTIVITY: b"a|b|\n" * 1000})

    def full_disk(target: Path) -> BinaryIO:
        return open("/dev/full", "wb")  # every write fails with ENOSPC

    monkeypatch.setattr(archives, "_open_target", full_disk)
    with pytest.raises(OSError) as err, archives.open_text_source(archive, workdir=tmp_path / "work"):
        pass
    assert err.value.errno == errno.ENOSPC
    assert err.value.filename is not None and err.value.filename.endswith("membre.txt")
    assert list((tmp_path / "work").iterdir()) == []


def test_missing_empty_or_folder(tmp_path: Path) -> None:
    assert refused(tmp_path / "absent.zip").message == "Fichier introuvable"
    (tmp_path / "vide.zip").write_bytes(b"")
    assert refused(tmp_path / "vide.zip").line == 1
    assert refused(tmp_path).message == "C'est un dossier, pas un fichier"


def test_other_archive_formats_are_named(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / (ACTIVITY + ".gz")
    path.write_bytes(gzip.compress(b"a|b|\n"))
    error = refused(path)
    assert error.message.startswith("Archive gzip non prise en charge") and error.path == str(path)
