"""Release details shared by the spec, build_bundle.py and the hosted workflow.

- ``numeric_version``: Windows version resources take four numbers, so ``0.2.0rc1``
  becomes ``0.2.0.0`` there while the text versions (and the file names) keep ``0.2.0rc1``.
- ``windows_sign_command``: the code-signing command Inno Setup runs (``SignTool``),
  from the environment, or None for an unsigned build. Inno Setup writes ``$f`` for
  the file to sign and ``$q`` for a quote.
- ``iscc_arguments``: the Inno Setup compiler's command line for coachadmin.iss.
- ``sha256sums``: the ``SHA256SUMS`` file published beside the installers.

Run ``python build/release.py sha256sums FILE...`` to print the sums, ``python
build/release.py numeric-version 0.2.0rc1`` to print ``0.2.0.0``, ``python
build/release.py is-prerelease 0.2.0rc1`` to print ``true``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

#: Windows stores each version number in 16 bits.
_MAX_PART = 0xFFFF
#: Signs with the certificate whose SHA-1 thumbprint this names (in the user's or the machine's
#: certificate store; the hosted workflow imports it there from a secret).
ENV_CERT_SHA1 = "COACHADMIN_SIGN_CERT_SHA1"
#: A whole signing command instead, with Inno Setup's ``$f`` for the file to sign (any tool).
ENV_SIGN_COMMAND = "COACHADMIN_SIGN_COMMAND"
#: The RFC 3161 timestamp server for signtool (a signature outlives its certificate with one).
ENV_TIMESTAMP_URL = "COACHADMIN_TIMESTAMP_URL"
#: signtool.exe when it is not on PATH (it is in the Windows SDK's bin folder).
ENV_SIGNTOOL = "COACHADMIN_SIGNTOOL"
DEFAULT_TIMESTAMP_URL = "http://timestamp.digicert.com"
#: The name the .iss knows the signing command by (ISCC's ``/S<name>=<command>``).
SIGN_TOOL_NAME = "coachadmin"


def numeric_version(version: str) -> str:
    """``0.2.0rc1`` -> ``0.2.0.0``: the release numbers, padded or cut to four."""
    from packaging.version import Version  # noqa: PLC0415 - publish_release.py runs without it

    release = Version(version).release
    parts = [*release, 0, 0, 0, 0][:4]
    if any(part > _MAX_PART for part in parts):
        raise ValueError(f"{version}: a Windows version number is at most {_MAX_PART}")
    return ".".join(str(part) for part in parts)


def is_prerelease(version: str) -> bool:
    """True for ``0.2.0rc1``, ``0.2.0b2``, ``0.2.0.dev3``: published as a pre-release."""
    from packaging.version import Version  # noqa: PLC0415 - as above

    return Version(version).is_prerelease


def _find_signtool(env: Mapping[str, str]) -> str:
    if env.get(ENV_SIGNTOOL):
        return env[ENV_SIGNTOOL]
    found = shutil.which("signtool")
    if found:
        return found
    kits = Path(env.get("ProgramFiles(x86)", r"C:\Program Files (x86)")) / "Windows Kits" / "10"
    candidates = sorted(kits.glob("bin/*/x64/signtool.exe"))
    return str(candidates[-1]) if candidates else "signtool.exe"


def windows_sign_command(env: Mapping[str, str] | None = None) -> str | None:
    """The command that signs ``$f``, or None when no signing is configured (unsigned build)."""
    env = os.environ if env is None else env
    command = env.get(ENV_SIGN_COMMAND, "").strip()
    if command:
        if "$f" not in command:
            raise ValueError(f"{ENV_SIGN_COMMAND} must contain $f (the file to sign)")
        # ISCC reads its command line the Delphi way, with no escaped quotes: $q is its quote.
        return command.replace('"', "$q")
    thumbprint = env.get(ENV_CERT_SHA1, "").strip().replace(" ", "")
    if not thumbprint:
        return None
    timestamp = env.get(ENV_TIMESTAMP_URL, "").strip() or DEFAULT_TIMESTAMP_URL
    signtool = _find_signtool(env)
    return (
        f"$q{signtool}$q sign /fd SHA256 /td SHA256 /tr {timestamp} "
        f"/sha1 {thumbprint} /d coachadmin $f"
    )


def iscc_arguments(
    version: str, script: Path, sign_command: str | None, source_dir: Path, output_dir: Path
) -> list[str]:
    """ISCC's arguments (after the program) for coachadmin.iss."""
    arguments = [
        f"/DAppVersion={version}",
        f"/DAppNumericVersion={numeric_version(version)}",
        f"/DSourceDir={source_dir}",
        f"/DOutputDir={output_dir}",
    ]
    if sign_command is not None:
        arguments += [f"/DSignToolName={SIGN_TOOL_NAME}", f"/S{SIGN_TOOL_NAME}={sign_command}"]
    return [*arguments, str(script)]


def installer_name(version: str) -> str:
    return f"coachadmin-{version}-windows-x64-setup.exe"


def sha256sums(paths: Iterable[Path]) -> str:
    """``sha256sum``'s format (``<hex>  <name>``), by file name, one line each."""
    lines = []
    for path in sorted(paths, key=lambda p: p.name):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        lines.append(f"{digest.hexdigest()}  {path.name}\n")
    return "".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "sha256sums":
        sys.stdout.write(sha256sums(Path(arg) for arg in argv[1:]))
        return 0
    if len(argv) == 2 and argv[0] == "numeric-version":
        print(numeric_version(argv[1]))
        return 0
    if len(argv) == 2 and argv[0] == "is-prerelease":
        print("true" if is_prerelease(argv[1]) else "false")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
