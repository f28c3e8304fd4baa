"""Compile build/windows/coachadmin.iss with Inno Setup under wine, on Linux: .ci/run's check.

    python build/windows/compile_check.py

Keeps the Windows installer script from rotting where no Windows machine runs. Against a
stand-in bundle (two small executables and an ``_internal`` file; the compiler only packs
them), with the same ``iscc`` arguments as ``build_bundle.py --package``
(build/release.py):

1. the app's version and a pre-release (``0.2.0rc1``) compile without a warning, and the
   setup .exe's version resource says ``0.2.0.0`` in its numbers, ``0.2.0rc1`` in its texts
   and its own file name as ``OriginalFilename``;
2. with a signing command configured, the compiler runs it on the uninstaller first
   (``SignedUninstaller``) and stops because the stand-in signer leaves no signature:
   real signing needs signtool on Windows.

Needs wine with 32-bit support (ISCC.exe is a 32-bit program: ``dpkg --add-architecture
i386``, then ``apt-get install wine wine32:i386``; installed here when missing and allowed
to). Inno Setup comes from the npm registry's tarball of the package ``innosetup`` (read
over HTTPS, no npm needed), pinned with its hash below, into build/pyinstaller-work/.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent
ROOT = BUILD.parent
sys.path.insert(0, str(BUILD))
sys.path.insert(0, str(ROOT))

import release  # noqa: E402

from coachadmin import __version__  # noqa: E402

INNO_TARBALL = "https://registry.npmjs.org/innosetup/-/innosetup-6.4.1.tgz"
INNO_SHA512 = (
    "Bh/dNlyyFsFKBGoTf19n1msPnm4Njfb0CWVirw2CV1MSJXYy0ajRI+xjo/Yr9DtZFLLafhnwm1ZsxTu309F8lQ=="
)
CACHE = BUILD / "pyinstaller-work" / "innosetup"
SCRIPT = HERE / "coachadmin.iss"
APT_PACKAGES = ["wine", "wine64", "wine32:i386"]


class CompileCheckFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"   {message}", flush=True)


def ensure_wine() -> str:
    wine = shutil.which("wine")
    if wine is None or not Path("/usr/lib/i386-linux-gnu/wine").exists():
        if os.geteuid() != 0 and shutil.which("sudo") is None:
            raise CompileCheckFailed(
                "wine with 32-bit support is missing: " + " ".join(APT_PACKAGES)
            )
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        say(f"installing {' '.join(APT_PACKAGES)} (i386 architecture added)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "dpkg", "--add-architecture", "i386"], check=True)
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        wine = shutil.which("wine")
    if wine is None:
        raise CompileCheckFailed("wine is missing after installing it")
    return wine


def ensure_iscc() -> Path:
    """Inno Setup's compiler, from the npm registry's tarball (no npm needed), checked."""
    iscc = CACHE / "package" / "bin" / "ISCC.exe"
    if iscc.is_file():
        return iscc
    CACHE.mkdir(parents=True, exist_ok=True)
    with urllib.request.urlopen(INNO_TARBALL, timeout=120) as response:
        data = response.read()
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INNO_SHA512:
        raise CompileCheckFailed(f"{INNO_TARBALL}: sha512 {digest}, not the pinned {INNO_SHA512}")
    tgz = CACHE / INNO_TARBALL.rsplit("/", 1)[-1]
    tgz.write_bytes(data)
    with tarfile.open(tgz) as tar:
        tar.extractall(CACHE, filter="data")
    return iscc


def stand_in_bundle(root: Path) -> Path:
    bundle = root / "coachadmin"
    (bundle / "_internal" / "PySide6").mkdir(parents=True)
    for name in ("coachadmin.exe", "coachadmin-gui.exe"):
        (bundle / name).write_bytes(b"MZ stand-in for " + name.encode())
    (bundle / "_internal" / "PySide6" / "stand-in.dll").write_bytes(b"MZ")
    return bundle


def windows_path(path: Path) -> str:
    return "Z:" + str(path).replace("/", "\\")


def version_resource(exe: Path) -> tuple[str, dict[str, str]]:
    """The fixed file version (``a.b.c.d``) and the strings of an executable's version info."""
    data = exe.read_bytes()
    at = data.find(struct.pack("<I", 0xFEEF04BD))
    if at < 0:
        raise CompileCheckFailed(f"{exe.name} has no version resource")
    ms, ls = struct.unpack_from("<II", data, at + 8)
    fixed = f"{ms >> 16}.{ms & 0xFFFF}.{ls >> 16}.{ls & 0xFFFF}"
    # The StringFileInfo that follows: UTF-16 key, NULs, value (Inno pads values with spaces).
    text = data[at - at % 2 : at + 8192].decode("utf-16-le", errors="replace")
    strings = {}
    for key in ("OriginalFilename", "FileVersion", "ProductVersion", "ProductName"):
        match = re.search(key + r"\x00+([^\x00]*)", text, re.IGNORECASE)
        if match:
            strings[key] = match.group(1).strip()
    return fixed, strings


class Compiler:
    def __init__(self, wine: str, iscc: Path, work: Path) -> None:
        self.wine, self.iscc, self.work = wine, iscc, work
        self.env = {
            **os.environ,
            "WINEPREFIX": str(work / "wineprefix"),
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono or Gecko prompt
        }
        self.env.pop("DISPLAY", None)

    def run(self, version: str, sign_command: str | None) -> subprocess.CompletedProcess[str]:
        arguments = release.iscc_arguments(
            version,
            Path(windows_path(SCRIPT)),
            sign_command,
            Path(windows_path(self.work / "coachadmin")),
            Path(windows_path(self.work / "out")),
        )
        return subprocess.run(
            [self.wine, str(self.iscc), *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=600,
            check=False,
        )


def check_compiles(compiler: Compiler, version: str) -> str:
    started = time.monotonic()
    result = compiler.run(version, None)
    output = result.stdout + result.stderr
    if result.returncode != 0 or "Successful compile" not in output:
        raise CompileCheckFailed(f"{version}: iscc failed ({result.returncode}):\n{output[-3000:]}")
    warnings = [line for line in output.splitlines() if "warning" in line.lower()]
    if warnings:
        raise CompileCheckFailed(f"{version}: iscc warned: {warnings}")
    setup = compiler.work / "out" / release.installer_name(version)
    fixed, strings = version_resource(setup)
    expected = {"OriginalFilename": setup.name, "ProductVersion": version}
    wrong = {k: strings.get(k) for k, v in expected.items() if strings.get(k) != v}
    if fixed != release.numeric_version(version) or wrong:
        raise CompileCheckFailed(f"{setup.name}: version resource {fixed} {strings}")
    return (
        f"{version}: compiled in {time.monotonic() - started:.1f} s, {setup.name} "
        f"({setup.stat().st_size // 1024} KiB), version resource {fixed}, "
        f"ProductVersion {strings['ProductVersion']}, "
        f"OriginalFilename {strings['OriginalFilename']}"
    )


def check_signing_is_wired(compiler: Compiler, version: str) -> str:
    log = compiler.work / "signed.txt"
    command = f"cmd.exe /c echo $f>> {windows_path(log)}"
    result = compiler.run(version, command)
    output = result.stdout + result.stderr
    signed = log.read_text(errors="replace") if log.exists() else ""
    if "uninst.e32" not in signed or "does not have a digital signature" not in output:
        raise CompileCheckFailed(
            f"signing: the sign tool did not run on the uninstaller as expected:\n"
            f"{signed}\n{output[-2000:]}"
        )
    return "signing: iscc ran the sign tool on the uninstaller, then required a signature"


def main() -> int:
    started = time.monotonic()
    try:
        wine, iscc = ensure_wine(), ensure_iscc()
        with tempfile.TemporaryDirectory(prefix="coachadmin-iscc-") as temp:
            work = Path(temp)
            stand_in_bundle(work)
            compiler = Compiler(wine, iscc, work)
            for version in dict.fromkeys((__version__, "0.2.0rc1")):
                say(check_compiles(compiler, version))
            say(check_signing_is_wired(compiler, "0.2.0rc1"))
    except (CompileCheckFailed, OSError, subprocess.SubprocessError) as error:
        print(f"compile_check FAILED: {error}", file=sys.stderr)
        return 1
    version = INNO_TARBALL.rsplit("-", 1)[1].removesuffix(".tgz")
    say(f"Inno Setup {version} under wine: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
