"""Build the packaged app and check it: ``python build/build_bundle.py [--package]``.

From a clean clone (docs/packaging.md): ``pip install --require-hashes -r
requirements/build.txt`` and ``pip install --no-deps -e .``, then this
script. It runs PyInstaller on build/coachadmin.spec (dist/coachadmin/, plus
dist/coachadmin.app on macOS), then checks the result the way qutebrowser's
build_release.py does: the bundle holds the Qt plugins it needs and none it
left out, its libraries resolve, ``--version`` and ``--self-test`` pass in a
fresh HOME, the window opens (start-up time measured), and the bundle's own
files are unchanged afterwards. ``--package`` then makes the platform's
installer: the Inno Setup installer on Windows, the .dmg on macOS, a .tar.gz on
Linux. The exit code is 0 only if every step passed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bundle_checks  # noqa: E402
import release  # noqa: E402
from bundle_checks import CheckFailed  # noqa: E402

from coachadmin import __version__  # noqa: E402

DIST = ROOT / "dist"
WORK = HERE / "pyinstaller-work"
BUNDLE = DIST / "coachadmin"
SPEC = HERE / "coachadmin.spec"
REPORT = WORK / "report.json"
MiB = 1024 * 1024


def run_pyinstaller(clean: bool) -> float:
    if importlib.util.find_spec("PyInstaller") is None:
        sys.exit(
            "build_bundle: PyInstaller is missing: "
            "pip install --require-hashes -r requirements/build.txt"
        )
    for icon in ("coachadmin.ico", "coachadmin.icns"):
        if not (HERE / "icons" / icon).is_file():
            sys.exit(f"build_bundle: build/icons/{icon} is missing: python build/make_icons.py")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN"]
    command += ["--distpath", str(DIST), "--workpath", str(WORK)]
    if clean:
        command.append("--clean")
    env = {**os.environ, "COACHADMIN_BUILD_REPORT": str(WORK / "left-out.txt")}
    print(f"== PyInstaller ({' '.join(command[1:3])} {SPEC.relative_to(ROOT)})", flush=True)
    started = time.monotonic()
    subprocess.run([*command, str(SPEC)], cwd=ROOT, env=env, check=True)
    return time.monotonic() - started


#: Linux binaries whose debug info goes (``strip --strip-debug``): Python's own, which
#: pyenv and distribution builds leave unstripped. Not every binary: binutils' strip
#: corrupts the FFmpeg libraries PySide6 ships (docs/packaging.md).
STRIP_PATTERNS = ("_internal/libpython3*.so*", "_internal/python3*/lib-dynload/*.so")


def strip_debug_info(bundle: Path) -> tuple[int, int]:
    """Strip the debug info of libpython and lib-dynload (Linux): (files, bytes saved)."""
    if not sys.platform.startswith("linux"):
        return 0, 0
    strip = shutil.which("strip")
    if strip is None:
        sys.exit("build_bundle: strip is missing (binutils, in requirements/apt.txt)")
    files = sorted({p for pattern in STRIP_PATTERNS for p in bundle.glob(pattern) if p.is_file()})
    before = sum(p.stat().st_size for p in files)
    if files:
        subprocess.run([strip, "--strip-debug", *map(str, files)], check=True)
    return len(files), before - sum(p.stat().st_size for p in files)


def find_iscc() -> str:
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    default = Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)"))
    if iscc is None and (default / "Inno Setup 6" / "ISCC.exe").is_file():
        iscc = str(default / "Inno Setup 6" / "ISCC.exe")
    if iscc is None:
        sys.exit("build_bundle: Inno Setup's iscc is missing (choco install innosetup)")
    return iscc


def package(version: str) -> Path:
    """The platform's installer or archive, in dist/."""
    if sys.platform == "win32":
        sign_command = release.windows_sign_command()
        if sign_command is None:
            print(
                "== installer: unsigned (set COACHADMIN_SIGN_CERT_SHA1 or COACHADMIN_SIGN_COMMAND "
                "to sign; docs/packaging.md)",
                flush=True,
            )
        else:
            print("== installer: signed (the executables, the uninstaller, setup)", flush=True)
        script = HERE / "windows" / "coachadmin.iss"
        arguments = release.iscc_arguments(version, script, sign_command, BUNDLE, DIST)
        subprocess.run([find_iscc(), *arguments], check=True)
        return DIST / release.installer_name(version)
    if sys.platform == "darwin":
        subprocess.run(["bash", str(HERE / "macos" / "make_dmg.sh")], check=True)
        return DIST / f"coachadmin-{version}-macos-{platform.machine()}.dmg"
    archive = DIST / f"coachadmin-{version}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(BUNDLE, arcname="coachadmin")
    return archive


def check(version: str) -> dict[str, object]:
    """Every check in order; the first failure ends the build with its name."""
    app = bundle_checks.AppRun(BUNDLE, version)
    steps: list[tuple[str, Callable[[], str]]] = [
        ("contents", lambda: bundle_checks.check_contents(BUNDLE)),
        ("libraries", lambda: bundle_checks.check_linux_libraries(BUNDLE)),
        ("--version", app.version_line),
        ("--self-test", app.self_test),
        ("start-up", app.startup),
        ("writes nothing beside itself", app.wrote_nothing_beside_itself),
    ]
    results: dict[str, object] = {}
    try:
        for name, step in steps:
            print(f"== check: {name}", flush=True)
            try:
                line = step()
            except (CheckFailed, OSError, subprocess.SubprocessError) as error:
                sys.exit(f"build_bundle: check '{name}' FAILED: {error}")
            print(f"   ok: {line}", flush=True)
            results[name] = line
    finally:
        app.cleanup()
    results["startup_seconds"] = app.startup_seconds
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="drop PyInstaller's cache first")
    parser.add_argument("--skip-checks", action="store_true", help="build only")
    parser.add_argument(
        "--package", action="store_true", help="then make the installer (.exe, .dmg, .tar.gz)"
    )
    args = parser.parse_args(argv)
    version = __version__
    build_seconds = run_pyinstaller(args.clean)
    stripped, saved = strip_debug_info(BUNDLE)
    if stripped:
        print(f"   stripped the debug info of {stripped} Python libraries: {saved / MiB:.0f} MiB")
    size = bundle_checks.bundle_size(BUNDLE)
    left_out = (WORK / "left-out.txt").read_text(encoding="utf-8").splitlines()
    print(f"   built dist/coachadmin in {build_seconds:.0f} s: {size / MiB:.0f} MiB")
    print(f"   left out {len(left_out)} files (list: {(WORK / 'left-out.txt').relative_to(ROOT)})")
    report: dict[str, object] = {
        "version": version,
        "prerelease": release.is_prerelease(version),
        "platform": f"{sys.platform}-{platform.machine()}",
        "python": platform.python_version(),
        "build_seconds": round(build_seconds, 1),
        "bundle_bytes": size,
        "left_out_files": len(left_out),
        "stripped_files": stripped,
        "stripped_bytes": saved,
    }
    if not args.skip_checks:
        report.update(check(version))
    if args.package:
        artifact = package(version)
        report["package"] = str(artifact.relative_to(ROOT))
        report["package_bytes"] = artifact.stat().st_size
        print(f"== package: {artifact.relative_to(ROOT)} ({artifact.stat().st_size / MiB:.0f} MiB)")
    REPORT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"== done: dist/coachadmin is {size / MiB:.0f} MiB; report in {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
