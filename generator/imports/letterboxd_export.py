"""Reading a Letterboxd export, a zip or a folder of CSV files, within caps on its size."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from generator.errors import ContentError
from generator.imports.common import decode, read_file

# What an export may hold. A real one is a few dozen CSV files of a few megabytes; an
# archive past these caps is refused before anything is read: a zip can declare millions
# of members, or many members each just under the per-file cap (a zip bomb).
MAX_MEMBER_BYTES = 50_000_000
MAX_TOTAL_BYTES = 200_000_000
MAX_MEMBERS = 10_000


def _check_archive(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive past the caps, naming the archive and the cap."""
    hint = "pass the .zip Letterboxd sent you, or unpack it and pass the folder of its CSV files"
    if len(members) > MAX_MEMBERS:
        raise ContentError(
            str(path), None, f"archive holds {len(members)} files; at most {MAX_MEMBERS:,} are read", hint
        )
    total = sum(m.file_size for m in members if m.filename.endswith(".csv"))
    if total > MAX_TOTAL_BYTES:
        raise ContentError(
            str(path),
            None,
            f"archive's CSV files unpack to {total:,} bytes; at most {MAX_TOTAL_BYTES:,} are read",
            hint,
        )


def read_export(path: Path) -> dict[str, tuple[str, str]]:
    """{member name: (text, display location)} of the export's CSV files, zip or folder."""
    if not path.exists():
        raise ContentError(
            str(path),
            None,
            "export not found",
            "pass the .zip Letterboxd sent you, or the folder it unpacks to",
        )
    files: dict[str, tuple[str, str]] = {}
    if path.is_file() and path.suffix.lower() == ".csv":
        # One list on its own: a list file of an export, or a list made for Letterboxd's
        # importer (a menu's letterboxd.csv download).
        return {f"lists/{path.name}": (read_file(path), str(path))}
    if path.is_dir():
        for csv_path in sorted(path.rglob("*.csv")):
            name = csv_path.relative_to(path).as_posix()
            files[name] = (read_file(csv_path), str(csv_path))
        return files
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(path, archive.infolist())
            members = [m for m in archive.infolist() if m.filename.endswith(".csv") and not m.is_dir()]
            for member in members:
                if member.file_size > MAX_MEMBER_BYTES:
                    raise ContentError(
                        f"{path}!{member.filename}",
                        None,
                        f"file in export is too large: {member.file_size:,} bytes, "
                        f"at most {MAX_MEMBER_BYTES:,} are read",
                    )
                member_path = PurePosixPath(member.filename)
                if ".." in member_path.parts:
                    continue
                files[member_path.as_posix()] = (
                    decode(archive.read(member), f"{path}!{member.filename}"),
                    f"{path}!{member.filename}",
                )
    except (zipfile.BadZipFile, OSError) as exc:
        raise ContentError(
            str(path),
            None,
            f"not a readable zip file: {exc}",
            "pass the .zip Letterboxd sent you, or the folder it unpacks to",
        ) from None
    # Some exports put everything in one top folder: drop it so names are export-relative.
    tops = {n.split("/", 1)[0] for n in files}
    if len(tops) == 1 and all("/" in n for n in files) and not any(n.startswith("lists/") for n in files):
        files = {n.split("/", 1)[1]: v for n, v in files.items()}
    return files
