"""Install the installer the way a user does, run the installed app, uninstall: the CI step.

    python build/install_check.py dist/coachadmin-0.2.0rc1-windows-x64-setup.exe 0.2.0rc1
    python build/install_check.py    # the package and version of the last build's report

- Windows (setup .exe): a file is put into the user's data folder first (as a user who
  ran the app has one), then ``/VERYSILENT /CURRENTUSER`` installs into
  ``%LOCALAPPDATA%\\Programs\\coachadmin``; the installed ``coachadmin.exe`` runs
  ``--version`` and ``--self-test``; the uninstaller runs silently and must remove the
  program and leave the user's data (the file, and the log the self-test wrote).
- macOS (.dmg): mounted read-only; the ``.app`` on it is copied the way a user drags it
  (to a temporary Applications folder), and the copy's binary runs ``--version`` and
  ``--self-test``; with ``COACHADMIN_CODESIGN_IDENTITY`` set, the copy's signature is
  verified and Gatekeeper asked. The image is then detached.
- Linux (.tar.gz): unpacked into a temporary folder, then the same two commands.

Exits 0 when every step passed; prints one line per step.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPORT = Path(__file__).resolve().parent / "pyinstaller-work" / "report.json"
RUN_TIMEOUT = 300
UNINSTALL_TIMEOUT = 180
MARKER = "install-check-user-data.txt"


class InstallCheckFailed(Exception):
    pass


def step(message: str) -> None:
    print(f"== install check: {message}", flush=True)


def run(args: Sequence[str | Path], what: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        env=env,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise InstallCheckFailed(f"{what} exited with {result.returncode}:\n{output}")
    return result.stdout


def app_env() -> dict[str, str]:
    env = dict(os.environ)
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def check_installed_app(executable: Path, version: str) -> None:
    """``--version`` and ``--self-test`` of the installed executable."""
    if not executable.is_file():
        raise InstallCheckFailed(f"{executable} is not there after the install")
    out = run([executable, "--version"], "--version", app_env()).strip()
    if out != f"coachadmin {version}":
        raise InstallCheckFailed(f"{executable} --version printed {out!r}")
    step(f"{executable} --version: {out}")
    lines = run([executable, "--self-test"], "--self-test", app_env()).strip().splitlines()
    for line in lines:
        print(f"      {line}")
    step(f"{executable} --self-test: {lines[-1] if lines else '(no output)'}")


def check_tarball(archive: Path, version: str, work: Path) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    check_installed_app(work / "coachadmin" / "coachadmin", version)


def _windows_user_data() -> Path:
    return Path(os.environ["LOCALAPPDATA"]) / "coachadmin"


def _wait_until_gone(paths: Sequence[Path], timeout: float) -> None:
    # The uninstaller copies itself to %TEMP% and returns at once: wait for its work.
    deadline = time.monotonic() + timeout
    while any(p.exists() for p in paths):
        if time.monotonic() > deadline:
            left = [str(p) for p in paths if p.exists()]
            raise InstallCheckFailed(f"still there {timeout:.0f} s after uninstalling: {left}")
        time.sleep(1)


def check_windows_installer(installer: Path, version: str, work: Path) -> None:
    data = _windows_user_data()
    data.mkdir(parents=True, exist_ok=True)
    (data / MARKER).write_text("the user's data: must outlive an uninstall\n", encoding="utf-8")
    log = work / "install.log"
    run(
        [
            installer,
            "/VERYSILENT",
            "/CURRENTUSER",
            "/SUPPRESSMSGBOXES",
            "/NORESTART",
            f"/LOG={log}",
        ],
        "the silent install",
    )
    app = Path(os.environ["LOCALAPPDATA"]) / "Programs" / "coachadmin"
    step(f"installed into {app}")
    for name in ("coachadmin.exe", "coachadmin-gui.exe", "unins000.exe"):
        if not (app / name).is_file():
            raise InstallCheckFailed(f"{app / name} is missing after the install (log: {log})")
    check_installed_app(app / "coachadmin.exe", version)
    run([app / "unins000.exe", "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART"], "the uninstall")
    _wait_until_gone(
        [app / "coachadmin.exe", app / "_internal", app / "unins000.exe"], UNINSTALL_TIMEOUT
    )
    step(f"uninstalled: {app} no longer has the program")
    if not (data / MARKER).is_file():
        raise InstallCheckFailed(f"the uninstall deleted the user's data in {data}")
    logs = sorted(data.rglob("coachadmin.log"))
    step(f"the user's data stayed in {data} ({MARKER}; logs: {len(logs)})")
    (data / MARKER).unlink()


def check_dmg(image: Path, version: str, work: Path) -> None:
    mount = work / "volume"
    mount.mkdir()
    run(
        ["hdiutil", "attach", image, "-nobrowse", "-readonly", "-noautoopen", "-mountpoint", mount],
        "hdiutil attach",
    )
    try:
        if not (mount / "Applications").is_symlink():
            raise InstallCheckFailed("the disk image has no Applications link")
        applications = work / "Applications"
        applications.mkdir()
        installed = applications / "coachadmin.app"
        run(["ditto", mount / "coachadmin.app", installed], "copying the .app out of the image")
        step(f"copied the .app to {installed}")
    finally:
        for attempt in range(5):
            detached = subprocess.run(["hdiutil", "detach", str(mount)], check=False)
            if detached.returncode == 0:
                break
            time.sleep(2 * (attempt + 1))
    if os.environ.get("COACHADMIN_CODESIGN_IDENTITY"):
        run(["codesign", "--verify", "--deep", "--strict", "--verbose=2", installed], "codesign")
        run(["spctl", "--assess", "--type", "execute", "--verbose", installed], "Gatekeeper")
        step("signature verified, Gatekeeper accepts the app")
    check_installed_app(installed / "Contents" / "MacOS" / "coachadmin", version)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args and REPORT.is_file():  # build_bundle.py --package wrote it
        report = json.loads(REPORT.read_text(encoding="utf-8"))
        args = [str(REPORT.parents[2] / report["package"]), report["version"]]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    artifact, version = Path(args[0]).resolve(), args[1]
    work = Path(tempfile.mkdtemp(prefix="coachadmin-install-check-"))
    try:
        if artifact.name.endswith(".exe"):
            check_windows_installer(artifact, version, work)
        elif artifact.name.endswith(".dmg"):
            check_dmg(artifact, version, work)
        elif artifact.name.endswith(".tar.gz"):
            check_tarball(artifact, version, work)
        else:
            raise InstallCheckFailed(f"{artifact.name}: not a .exe, .dmg or .tar.gz")
    except (InstallCheckFailed, OSError, subprocess.SubprocessError) as error:
        print(f"install check FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    step(f"passed: {artifact.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
