#!/usr/bin/env bash
# Make the macOS disk image from dist/coachadmin.app (built by `python build/build_bundle.py`):
#   dist/coachadmin-<version>-macos-<arch>.dmg, a window with the app and an Applications link.
#
# Unsigned by default (fine for testing: right-click > Open the first time). To ship, sign and
# notarize (docs/packaging.md, "Signing and notarization"):
#   COACHADMIN_CODESIGN_IDENTITY="Developer ID Application: Example Ltd (TEAMID1234)"
#       set when building the bundle (PyInstaller then signs every binary and the .app with the
#       hardened runtime) and when running this script (which signs the .dmg).
#   COACHADMIN_NOTARY_PROFILE=coachadmin-notary
#       a notarytool keychain profile, made once with
#       `xcrun notarytool store-credentials coachadmin-notary --apple-id ... --team-id ...`;
#       the .dmg is then notarized and the ticket stapled to it.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=build/macos/retry.sh
source build/macos/retry.sh

APP="dist/coachadmin.app"
[ -d "$APP" ] || { echo "make_dmg: $APP is missing: run python build/build_bundle.py first" >&2; exit 1; }
VERSION=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$APP/Contents/Info.plist")
DMG="dist/coachadmin-${VERSION}-macos-$(uname -m).dmg"
IDENTITY="${COACHADMIN_CODESIGN_IDENTITY:-}"
NOTARY_PROFILE="${COACHADMIN_NOTARY_PROFILE:-}"

if [ -z "$IDENTITY" ]; then
    echo "== unsigned: COACHADMIN_CODESIGN_IDENTITY is not set (fine for testing, not to ship)"
else
    echo "== checking the app's signature"
    codesign --verify --deep --strict --verbose=2 "$APP"
fi

echo "== making $DMG"
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
ditto "$APP" "$staging/coachadmin.app"
ln -s /Applications "$staging/Applications"
rm -f "$DMG"
retry 5 hdiutil create -volname "coachadmin $VERSION" -srcfolder "$staging" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 -ov "$DMG"

if [ -n "$IDENTITY" ]; then
    echo "== signing the disk image"
    codesign --force --timestamp --sign "$IDENTITY" "$DMG"
fi
if [ -n "$NOTARY_PROFILE" ]; then
    [ -n "$IDENTITY" ] || { echo "make_dmg: notarization needs a signed app" >&2; exit 1; }
    echo "== notarizing (this waits for Apple's answer, usually minutes)"
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    retry 3 xcrun stapler staple "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose "$DMG"
fi
du -h "$DMG"
