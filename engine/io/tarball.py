"""List a Landsat product tarball without letting a crafted one take the machine.

A few megabytes of gzip can expand to gigabytes, so the listing is bounded before anything is
read: how many members, how large each one and all of them may be (declared sizes, checked
from each header before its data is skipped), and how large the in-archive headers that
tarfile reads whole into memory (GNU long names, pax records) may be. Real products hold about
20 files, their largest band is a few hundred MB and the whole archive 1-2 GB, so the limits
sit far above any real product and far below what would exhaust memory or hours."""
from __future__ import annotations

import os
import tarfile
import zlib

from engine.errors import InputError
from engine.io.landsat import read_mtl

MAX_MEMBERS = 100
MAX_MEMBER_BYTES = 2 << 30
MAX_TOTAL_BYTES = 4 << 30
MAX_HEADER_BYTES = 1 << 20
_MB = 1 << 20


class _BoundedTarInfo(tarfile.TarInfo):
    """TarInfo that refuses oversized header extensions before tarfile reads them whole."""

    def _proc_member(self, tar):
        if (self.type in (tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK, tarfile.XHDTYPE,
                          tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE)
                and self.size > MAX_HEADER_BYTES):
            raise InputError(f"holds a {self.size // _MB} MB member header (real ones are a few "
                             f"hundred bytes); refusing a crafted archive")
        return super()._proc_member(tar)


def list_product_tarball(path: str) -> tuple:
    """({base name: member name} of the regular files, text of the MTL) of a product tarball."""
    try:
        with tarfile.open(path, tarinfo=_BoundedTarInfo) as tar:
            members = _bounded_members(tar)
            mtl = next((n for n in members if n.upper().endswith("_MTL.TXT")), None)
            if mtl is None:
                raise InputError(f"{path} holds no Landsat *_MTL.txt file")
            text = read_mtl(tar.extractfile(members[mtl]), mtl)
    except InputError as exc:
        message = str(exc)
        raise InputError(message if path in message else f"tarball {path}: {message}") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        # EOFError / zlib.error: a compressed archive cut short or corrupted mid-stream
        raise InputError(f"cannot read tarball {path} (truncated or corrupt?): "
                         f"{exc or type(exc).__name__}") from None
    return members, text


def _bounded_members(tar: tarfile.TarFile) -> dict:
    members, total = {}, 0
    for count, member in enumerate(tar, 1):  # each header is checked before its data is skipped
        if count > MAX_MEMBERS:
            raise InputError(f"holds more than {MAX_MEMBERS} files; a Landsat product has "
                             "about 20")
        if member.size > MAX_MEMBER_BYTES:
            raise InputError(f"member {member.name} is {member.size // _MB} MB, larger than "
                             f"any Landsat band (limit {MAX_MEMBER_BYTES // _MB} MB)")
        total += member.size
        if total > MAX_TOTAL_BYTES:
            raise InputError(f"unpacks to more than {MAX_TOTAL_BYTES // _MB} MB, larger than "
                             "any Landsat product")
        if member.isfile():
            members[os.path.basename(member.name)] = member.name
    return members
