"""Checks of a built bundle, run by build_bundle.py: contents, libraries, and the app itself.

Each check returns a line for the report or raises CheckFailed. The app is run
the way a user runs it, with a fresh HOME so that everything it writes lands in
the user's directories of that HOME; the bundle's own files must be byte-for-byte
unchanged afterwards (the frozen app writes nothing next to itself).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import bundle_filters

IS_WINDOWS = sys.platform == "win32"
IS_MACOS = sys.platform == "darwin"
SHOWN_MARKER = "coachadmin: window shown"
RUN_TIMEOUT = 180

#: Plugins the app cannot work without, per platform (name as in bundle_filters).
REQUIRED_PLUGINS = {
    "linux": ("platforms/qoffscreen", "platforms/qxcb", "platforms/qwayland"),
    "win32": ("platforms/qoffscreen", "platforms/qwindows"),
    "darwin": ("platforms/qoffscreen", "platforms/qcocoa"),
}
COMMON_PLUGINS = (
    "iconengines/qsvgicon",
    "imageformats/qjpeg",
    "imageformats/qsvg",
    "imageformats/qwebp",
    "multimedia/ffmpegmediaplugin",
)


class CheckFailed(Exception):
    pass


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def _plugin_ids(bundle: Path) -> set[str]:
    ids = set()
    for path in _files(bundle):
        plugin = bundle_filters.plugin_id(path.relative_to(bundle))
        if plugin is not None:
            ids.add(plugin)
    return ids


def check_contents(bundle: Path) -> str:
    """The plugins the app needs are there; nothing that the filters leave out slipped in."""
    plugins = _plugin_ids(bundle)
    wanted = REQUIRED_PLUGINS.get(sys.platform, ()) + COMMON_PLUGINS
    missing = [p for p in wanted if p not in plugins]
    if missing:
        raise CheckFailed(f"Qt plugins missing from the bundle: {', '.join(missing)}")
    unwanted = [
        f"{path.relative_to(bundle)} ({why})"
        for path in _files(bundle)
        if (why := bundle_filters.excluded_binary(str(path.relative_to(bundle)))) is not None
    ]
    if unwanted:
        raise CheckFailed("left-out Qt parts are in the bundle: " + "; ".join(unwanted[:10]))
    forbidden = [
        f"{path.relative_to(bundle)} ({why})"
        for path in _files(bundle)
        for prefix, why in bundle_filters.FORBIDDEN_LIBRARIES
        if path.name.startswith(prefix)
    ]
    if forbidden:
        raise CheckFailed("forbidden libraries are in the bundle: " + "; ".join(forbidden))
    return (
        f"{len(plugins)} Qt plugins, the required ones present, no excluded Qt module, "
        "no libreadline"
    )


def check_linux_libraries(bundle: Path) -> str:
    """Every bundled library finds the Qt libraries it links to inside the bundle."""
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return "skipped (not Linux)"
    internal = bundle / "_internal"
    search = os.pathsep.join(str(p) for p in (internal, internal / "PySide6" / "Qt" / "lib"))
    env = {**os.environ, "LD_LIBRARY_PATH": search}
    broken: list[str] = []
    other: set[str] = set()
    elves = [p for p in _files(bundle) if ".so" in p.name or p.parent == bundle]
    for path in elves:
        result = subprocess.run(
            ["ldd", str(path)], capture_output=True, text=True, env=env, check=False
        )
        for line in result.stdout.splitlines():
            if "not found" in line:
                name = line.split("=>")[0].strip()
                if name.startswith(("libQt6", "libpyside6")):
                    broken.append(f"{path.relative_to(bundle)} needs {name}")
                else:
                    other.add(name)
    if broken:
        raise CheckFailed("Qt libraries missing from the bundle: " + "; ".join(broken[:10]))
    note = f"; system libraries loaded from the user's machine: {', '.join(sorted(other))}"
    return f"{len(elves)} binaries resolve every Qt library" + (note if other else "")


def _snapshot(bundle: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(bundle)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in bundle.rglob("*")
    }


def _user_env(home: Path) -> dict[str, str]:
    """The environment of a user whose home is ``home``: no app or XDG overrides."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XDG_", "COACHADMIN_", "PYTHON", "QT_")) and k != "VIRTUAL_ENV"
    }
    env["HOME"] = str(home)
    if IS_WINDOWS:  # platformdirs asks the shell; these make it answer inside ``home``
        for name in ("LOCAL_APPDATA", "APPDATA"):
            env[f"WIN_PD_OVERRIDE_{name}"] = str(home / "AppData" / name.title())
    if sys.platform.startswith("linux") and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def _run(args: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT, check=False
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()[-3000:]
        raise CheckFailed(f"{what} exited with {result.returncode}:\n{output}")
    return result


class AppRun:
    """Runs the frozen app in a fresh HOME and checks it left its own folder alone."""

    def __init__(self, bundle: Path, version: str) -> None:
        self.bundle = bundle
        self.version = version
        self.cli = bundle / ("coachadmin.exe" if IS_WINDOWS else "coachadmin")
        self.home = Path(tempfile.mkdtemp(prefix="coachadmin-home-"))
        self.env = _user_env(self.home)
        self.before = _snapshot(bundle)
        self.startup_seconds: float | None = None

    def version_line(self) -> str:
        out = _run([str(self.cli), "--version"], self.env, "--version").stdout.strip()
        if out != f"coachadmin {self.version}":
            raise CheckFailed(f"--version printed {out!r}, not 'coachadmin {self.version}'")
        return out

    def self_test(self) -> str:
        result = _run([str(self.cli), "--self-test"], self.env, "--self-test")
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        for line in lines:
            print(f"      {line}")
        return lines[-1] if lines else "(no output)"

    def startup(self, runs: int = 3) -> str:
        """Median wall time of ``COACHADMIN_SMOKE_TEST=1`` runs (window painted, then quit)."""
        env = {**self.env, "COACHADMIN_SMOKE_TEST": "1"}
        times = []
        for _ in range(runs + 1):  # the first run warms the file cache: not counted
            started = time.perf_counter()
            result = _run([str(self.cli)], env, "the smoke test")
            times.append(time.perf_counter() - started)
            if SHOWN_MARKER not in result.stdout:
                raise CheckFailed(f"the smoke test did not print {SHOWN_MARKER!r}")
        if IS_WINDOWS:  # the Start menu's windowed executable: no stdout, its exit code tells
            _run([str(self.bundle / "coachadmin-gui.exe")], env, "coachadmin-gui.exe smoke test")
        self.startup_seconds = statistics.median(times[1:])
        return f"window painted and closed in {self.startup_seconds:.2f} s (median of {runs})"

    def wrote_nothing_beside_itself(self) -> str:
        after = _snapshot(self.bundle)
        added = sorted(set(after) - set(self.before))
        changed = sorted(k for k in self.before if after.get(k) != self.before[k])
        if added or changed:
            raise CheckFailed(f"the app wrote into its own folder: {(added + changed)[:10]}")
        written = sorted(str(p.relative_to(self.home)) for p in _files(self.home))
        logs = [w for w in written if w.endswith("coachadmin.log")]
        if not logs:
            raise CheckFailed(f"no log in the user's directories (found {written[:10]})")
        return f"bundle unchanged; the user's directories got {len(written)} files, e.g. {logs[0]}"

    def cleanup(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


def bundle_size(bundle: Path) -> int:
    return sum(p.stat().st_size for p in _files(bundle))
