#!/usr/bin/env bash
# The hosted workflow's macOS signing setup (docs/packaging.md, "Signing and notarization"):
# imports the Developer ID certificate into a temporary keychain and stores the notary
# credentials as a notarytool profile, then tells the next steps (GITHUB_ENV) to sign with
# them: COACHADMIN_CODESIGN_IDENTITY (PyInstaller signs every binary and the .app with the
# hardened runtime; make_dmg.sh signs the .dmg) and COACHADMIN_NOTARY_PROFILE (make_dmg.sh
# notarizes and staples). Reads the secrets from the environment: MACOS_CERTIFICATE (the
# .p12, base64), MACOS_CERTIFICATE_PASSWORD, MACOS_SIGNING_IDENTITY, NOTARY_APPLE_ID,
# NOTARY_TEAM_ID, NOTARY_PASSWORD (an app-specific password).
set -euo pipefail

keychain="$RUNNER_TEMP/signing.keychain-db"
password="$(uuidgen)"
certificate="$RUNNER_TEMP/certificate.p12"
echo "$MACOS_CERTIFICATE" | base64 --decode >"$certificate"
security create-keychain -p "$password" "$keychain"
security set-keychain-settings -lut 21600 "$keychain"
security unlock-keychain -p "$password" "$keychain"
security import "$certificate" -P "$MACOS_CERTIFICATE_PASSWORD" -A -t cert -f pkcs12 -k "$keychain"
rm -f "$certificate"
security set-key-partition-list -S apple-tool:,apple: -k "$password" "$keychain" >/dev/null
security list-keychains -d user -s "$keychain" $(security list-keychains -d user | tr -d '"')
xcrun notarytool store-credentials coachadmin-notary --apple-id "$NOTARY_APPLE_ID" \
    --team-id "$NOTARY_TEAM_ID" --password "$NOTARY_PASSWORD" --keychain "$keychain"
echo "COACHADMIN_CODESIGN_IDENTITY=$MACOS_SIGNING_IDENTITY" >>"$GITHUB_ENV"
echo "COACHADMIN_NOTARY_PROFILE=coachadmin-notary" >>"$GITHUB_ENV"
