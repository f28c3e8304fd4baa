"""Connection profiles: saved, loaded, switched, removed; secrets only in the keychain."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from coachadmin import paths, profiles, secrets
from coachadmin.errors import UsageError
from coachadmin.profiles import CredentialSource, Profile
from coachadmin.settings import load_settings, save_settings

Store = dict[tuple[str, str], str]
SECRET = "FAKEsecretDO-NOT-LOG-profiles-4b1e"
KEYS = secrets.AwsKeyPair("AKIAEXAMPLE000000003", SECRET)


def _staging(**overrides: object) -> Profile:
    values: dict[str, object] = {
        "name": "staging",
        "bucket": "coach-media-staging",
        "region": "eu-north-1",
        "api_url": "https://api.staging.example.com",
        "credentials": CredentialSource.AWS_PROFILE,
        "aws_profile": "coach-staging",
    }
    values.update(overrides)
    return Profile(**values)  # type: ignore[arg-type]


@pytest.fixture
def no_keychain() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_a_profile_is_saved_and_loaded_the_same() -> None:
    profile = _staging(endpoint_url="http://127.0.0.1:9000", production=True)
    profiles.save_profile(profile)
    assert profiles.get_profile("staging") == profile
    assert profiles.list_profiles() == [profile]
    on_disk = json.loads(paths.settings_path().read_text())
    assert on_disk["profiles"]["staging"]["credentials"] == "aws-profile"
    assert on_disk["active_profile"] == "staging"  # the first profile becomes active


def test_an_aws_profile_connection_lets_boto3_find_the_keys() -> None:
    profiles.save_profile(_staging(production=True))
    connection = profiles.load_active_connection()
    assert connection is not None
    assert connection.name == "staging"
    assert connection.bucket == "coach-media-staging"
    assert connection.s3.profile == "coach-staging"
    assert connection.s3.region == "eu-north-1"
    assert connection.s3.secret_key is None
    assert connection.api_url == "https://api.staging.example.com"
    assert connection.production is True


def test_keychain_keys_stay_out_of_the_settings_file(memory_keyring: Store) -> None:
    profile = _staging(credentials=CredentialSource.KEYCHAIN, aws_profile=None)
    profiles.save_profile(profile, keys=KEYS)
    assert SECRET in memory_keyring[("coachadmin", "staging/aws")]
    assert SECRET not in paths.settings_path().read_text()
    assert KEYS.access_key_id not in paths.settings_path().read_text()
    connection = profiles.load_active_connection()
    assert connection is not None
    assert (connection.s3.access_key, connection.s3.secret_key) == (KEYS.access_key_id, SECRET)
    assert SECRET not in repr(connection)


def test_environment_credentials_leave_boto3_to_find_them() -> None:
    profiles.save_profile(_staging(credentials=CredentialSource.ENVIRONMENT, aws_profile=None))
    connection = profiles.load_active_connection()
    assert connection is not None
    assert (connection.s3.profile, connection.s3.access_key) == (None, None)


def test_several_profiles_switch_and_remove(memory_keyring: Store) -> None:
    profiles.save_profile(_staging())
    production = _staging(
        name="production",
        bucket="coach-media",
        production=True,
        credentials=CredentialSource.KEYCHAIN,
        aws_profile=None,
    )
    profiles.save_profile(production, keys=KEYS)
    assert profiles.active_profile() == _staging()  # adding does not switch...
    profiles.set_active_profile("production")
    assert profiles.active_profile() == production
    connection = profiles.load_active_connection()
    assert connection is not None
    assert connection.production
    assert [p.name for p in profiles.list_profiles()] == ["production", "staging"]
    removed = profiles.remove_profile("production")
    assert memory_keyring == {}  # its key pair is gone too
    assert removed == profiles.Removed(was_active=True, keys_left=False)
    # None is active now: never another one unasked (it could be production).
    assert profiles.active_profile() is None
    assert profiles.remove_profile("staging").was_active is False
    assert profiles.load_active_connection() is None


def test_make_active_switches_at_once() -> None:
    profiles.save_profile(_staging())
    profiles.save_profile(_staging(name="other"), make_active=True)
    assert load_settings().active_profile == "other"


def test_switching_a_profile_away_from_the_keychain_deletes_its_keys(
    memory_keyring: Store,
) -> None:
    profiles.save_profile(
        _staging(credentials=CredentialSource.KEYCHAIN, aws_profile=None), keys=KEYS
    )
    profiles.save_profile(_staging())
    assert memory_keyring == {}


def test_unknown_profiles_are_named_with_the_known_ones() -> None:
    profiles.save_profile(_staging())
    with pytest.raises(profiles.ProfileNotFound, match="saved profiles: staging"):
        profiles.get_profile("prod")
    with pytest.raises(profiles.ProfileNotFound):
        profiles.set_active_profile("prod")
    with pytest.raises(profiles.ProfileNotFound):
        profiles.remove_profile("prod")


def test_lost_keychain_keys_say_how_to_enter_them_again(memory_keyring: Store) -> None:
    profiles.save_profile(
        _staging(credentials=CredentialSource.KEYCHAIN, aws_profile=None), keys=KEYS
    )
    memory_keyring.clear()  # the user deleted the entry in their keychain app
    with pytest.raises(profiles.CredentialsMissing, match="Enter it again"):
        profiles.load_active_connection()


def test_keychain_profile_without_keychain_offers_alternatives(
    memory_keyring: Store, no_keychain: None
) -> None:
    profile = _staging(credentials=CredentialSource.KEYCHAIN, aws_profile=None)
    with pytest.raises(secrets.KeychainUnavailable, match="AWS profile"):
        profiles.save_profile(profile, keys=KEYS)
    assert not paths.settings_path().exists()  # nothing half-saved


def test_a_saved_keychain_profile_on_a_machine_without_keychain(
    memory_keyring: Store, app_home: Path
) -> None:
    profiles.save_profile(
        _staging(credentials=CredentialSource.KEYCHAIN, aws_profile=None), keys=KEYS
    )
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(secrets.KeychainUnavailable, match="keeps its keys in the keychain"):
            profiles.load_active_connection()
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize("name", ["", " lead", "a/b", "x" * 65, "-dash"])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="profile name"):
        _staging(name=name)


def test_bad_bucket_and_missing_aws_profile_are_refused() -> None:
    with pytest.raises(UsageError, match="bucket name"):
        _staging(bucket="Not_A_Bucket")
    with pytest.raises(UsageError, match="name the AWS profile"):
        _staging(aws_profile=None)


def test_a_broken_profile_entry_is_skipped_not_fatal() -> None:
    settings = load_settings()
    settings.profiles = {
        "good": _staging(name="good").to_dict(),
        "bad": {"bucket": "coach-media", "credentials": "carrier-pigeon"},
    }
    save_settings(settings)
    assert [p.name for p in profiles.list_profiles()] == ["good"]
    with pytest.raises(UsageError, match="unknown credential source"):
        profiles.get_profile("bad")
