"""Publish a tag's installers as a GitHub release, with their SHA-256 sums: the CI step.

    python build/publish_release.py v0.2.0rc1 artifacts/ [--dry-run]

``artifacts/`` holds the build jobs' artifacts (one folder each, as
actions/download-artifact leaves them): the installers (``coachadmin-*.exe``,
``.dmg``, ``.tar.gz``) and each build's ``report.json``. Every report must name the
tag's version (``v`` + ``coachadmin.__version__``), so a tag on a commit whose
version was not bumped publishes nothing. ``SHA256SUMS`` is written beside the
installers and uploaded with them; a pre-release version (``0.2.0rc1``) makes a
GitHub pre-release. ``update-feed.json`` (coachadmin.services.updates reads it) names
each installer's platform, link and SHA-256; the links point at this release's files
(``--download-base``, by default the GitHub release's download folder). Uses the ``gh``
command line (preinstalled on hosted runners, with ``GH_TOKEN``); ``--dry-run`` prints
the command instead.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from release import sha256sums

INSTALLER_SUFFIXES = ("-setup.exe", ".dmg", ".tar.gz")


class PublishFailed(Exception):
    pass


def collect(tag: str, artifacts: Path) -> tuple[list[Path], bool]:
    """The installers to publish, and whether the version is a pre-release."""
    reports = sorted(artifacts.rglob("report.json"))
    if not reports:
        raise PublishFailed(f"no report.json under {artifacts}")
    versions, prerelease = set(), False
    for path in reports:
        report = json.loads(path.read_text(encoding="utf-8"))
        versions.add(report["version"])
        prerelease = prerelease or bool(report.get("prerelease"))
    if versions != {tag.removeprefix("v")}:
        raise PublishFailed(f"tag {tag} but the builds say version {', '.join(sorted(versions))}")
    installers = sorted(
        p
        for p in artifacts.rglob("coachadmin-*")
        if p.is_file() and p.name.endswith(INSTALLER_SUFFIXES)
    )
    if not installers:
        raise PublishFailed(f"no installers under {artifacts}")
    names = [p.name for p in installers]
    if len(set(names)) != len(names):
        raise PublishFailed(f"two installers share a name: {names}")
    return installers, prerelease


_PLATFORM = re.compile(r"^coachadmin-[^-]+-(?P<platform>[a-z]+-[a-z0-9_]+)(?:-setup)?\.")


def update_feed(tag: str, installers: list[Path], download_base: str, notes: str) -> str:
    """The release feed: the version, a line of notes, and each installer's link and SHA-256."""
    entries = []
    for path in installers:
        match = _PLATFORM.match(path.name)
        if match is None:
            raise PublishFailed(f"{path.name}: no platform in the name")
        entries.append(
            {
                "platform": match["platform"],
                "name": path.name,
                "url": f"{download_base.rstrip('/')}/{path.name}",
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "size": path.stat().st_size,
            }
        )
    feed = {"version": tag.removeprefix("v"), "notes": notes, "installers": entries}
    return json.dumps(feed, indent=2) + "\n"


def default_download_base(tag: str) -> str:
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    repository = os.environ.get("GITHUB_REPOSITORY", "OWNER/REPO")
    return f"{server}/{repository}/releases/download/{tag}"


def gh_command(tag: str, files: list[Path], prerelease: bool) -> list[str]:
    version = tag.removeprefix("v")
    notes = (
        f"coachadmin {version}. Check a download with `sha256sum -c SHA256SUMS "
        "--ignore-missing` (macOS: `shasum -a 256 -c SHA256SUMS --ignore-missing`)."
    )
    command = ["gh", "release", "create", tag, "--verify-tag", "--title", f"coachadmin {version}"]
    command += ["--notes", notes]
    if prerelease:
        command.append("--prerelease")
    return command + [str(f) for f in files]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag")
    parser.add_argument("artifacts", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="print the gh command only")
    parser.add_argument("--download-base", help="where the installers are downloaded from")
    parser.add_argument(
        "--notes", default="", help="what changed, in a sentence or two (shown in the app)"
    )
    args = parser.parse_args(argv)
    try:
        installers, prerelease = collect(args.tag, args.artifacts)
    except PublishFailed as error:
        print(f"publish: {error}", file=sys.stderr)
        return 1
    sums = args.artifacts / "SHA256SUMS"
    sums.write_text(sha256sums(installers), encoding="utf-8")
    print(sums.read_text(encoding="utf-8"), end="")
    base = args.download_base or default_download_base(args.tag)
    try:
        feed_text = update_feed(args.tag, installers, base, args.notes)
    except PublishFailed as error:
        print(f"publish: {error}", file=sys.stderr)
        return 1
    feed = args.artifacts / "update-feed.json"
    feed.write_text(feed_text, encoding="utf-8")
    command = gh_command(args.tag, [*installers, sums, feed], prerelease)
    print(shlex.join(command))
    if not args.dry_run:
        subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
