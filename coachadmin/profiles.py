"""Connection profiles: saved, named connections (staging, production...).

A profile holds what is not secret (bucket, region, endpoint, backend URL, where
the credentials come from) in the settings file. The credentials themselves come
from one of three places, never from the settings file:

* ``aws-profile``: a profile of the user's AWS config; boto3 handles SSO and
  assume-role.
* ``keychain``: an access key pair kept in the OS keychain (:mod:`coachadmin.secrets`).
* ``environment``: boto3's standard chain (``AWS_ACCESS_KEY_ID``..., instance roles).

:func:`resolve` turns a profile into the :class:`~coachadmin.connection.Connection`
the GUI and the command line work on.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any

from coachadmin import secrets
from coachadmin.connection import Connection
from coachadmin.errors import UsageError, UserFacingError
from coachadmin.s3.settings import S3Settings
from coachadmin.s3.uri import validate_bucket_name
from coachadmin.settings import Settings, load_settings, save_settings, update_settings

log = logging.getLogger("coachadmin.profiles")

_NAME_RE = re.compile(r"^[\w][\w .@+-]{0,63}$")


class CredentialSource(StrEnum):
    AWS_PROFILE = "aws-profile"
    KEYCHAIN = "keychain"
    ENVIRONMENT = "environment"


class ProfileNotFound(UserFacingError):
    pass


class CredentialsMissing(UserFacingError):
    """The profile's keys are not in the keychain (any more)."""


@dataclass(frozen=True)
class Profile:
    """A saved connection, without secrets."""

    name: str
    bucket: str
    region: str | None = None
    endpoint_url: str | None = None
    api_url: str | None = None
    credentials: CredentialSource = CredentialSource.ENVIRONMENT
    aws_profile: str | None = None
    production: bool = False

    def __post_init__(self) -> None:
        validate_profile_name(self.name)
        validate_bucket_name(self.bucket)
        if self.credentials is CredentialSource.AWS_PROFILE and not self.aws_profile:
            raise UsageError(f"Profile '{self.name}': name the AWS profile to use.")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["credentials"] = self.credentials.value
        del data["name"]  # the key of the profiles mapping
        return data

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> Profile:
        def text(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value not in (None, "") else None

        try:
            source = CredentialSource(data.get("credentials", CredentialSource.ENVIRONMENT))
        except ValueError as error:
            raise UsageError(
                f"Profile '{name}' names an unknown credential source "
                f"({data.get('credentials')!r}); edit it with the Connect wizard."
            ) from error
        return cls(
            name=name,
            bucket=str(data.get("bucket", "")),
            region=text("region"),
            endpoint_url=text("endpoint_url"),
            api_url=text("api_url"),
            credentials=source,
            aws_profile=text("aws_profile"),
            production=bool(data.get("production", False)),
        )

    def with_region(self, region: str | None) -> Profile:
        return replace(self, region=region)


def validate_profile_name(name: str) -> str:
    if not _NAME_RE.match(name) or name != name.strip():
        raise UsageError(
            f"'{name}' cannot be a profile name: use up to 64 letters, digits, spaces, "
            "dots, hyphens, @ or +, starting with a letter or digit (no slash)."
        )
    return name


def list_profiles(settings: Settings | None = None) -> list[Profile]:
    """Every saved profile that can be read, sorted by name; broken ones are logged."""
    settings = settings or load_settings()
    result = []
    for name, data in sorted(settings.profiles.items()):
        try:
            result.append(Profile.from_dict(name, data))
        except UserFacingError as error:
            log.warning("profile %r skipped: %s", name, error)
    return result


def connections_for(bucket: str) -> list[str]:
    """The saved connections that reach ``bucket`` (what a transfer to it may be given)."""
    return [p.name for p in list_profiles() if p.bucket == bucket]


def get_profile(name: str, settings: Settings | None = None) -> Profile:
    settings = settings or load_settings()
    data = settings.profiles.get(name)
    if data is None:
        known = ", ".join(sorted(settings.profiles)) or "none yet"
        raise ProfileNotFound(
            f"There is no connection profile named '{name}' (saved profiles: {known}). "
            "Add one with 'coachadmin connection add' or the Connect wizard."
        )
    return Profile.from_dict(name, data)


def save_profile(
    profile: Profile, *, keys: secrets.AwsKeyPair | None = None, make_active: bool = False
) -> None:
    """Save (or replace) a profile; keys go to the keychain first, so no half-saved profile."""
    if profile.credentials is CredentialSource.KEYCHAIN:
        if keys is not None:
            secrets.set_aws_keys(profile.name, keys)
        elif secrets.get_aws_keys(profile.name) is None:
            raise CredentialsMissing(
                f"Profile '{profile.name}' keeps its keys in the keychain, but none were given."
            )
    else:
        secrets.delete_aws_keys(profile.name)  # keys of an earlier version of this profile

    def change(settings: Settings) -> None:
        settings.profiles[profile.name] = profile.to_dict()
        if make_active or settings.active_profile is None:
            settings.active_profile = profile.name

    update_settings(change)
    log.info("profile %r saved (%s)", profile.name, profile.credentials.value)


@dataclass(frozen=True)
class Removed:
    """What :func:`remove_profile` did beside forgetting the profile."""

    #: It was the active connection: none is active now (never another, unasked: it
    #: could be production).
    was_active: bool
    #: Its access key was kept in the keychain, and no keychain could be reached to delete
    #: it: it stays there.
    keys_left: bool


def remove_profile(name: str) -> Removed:
    """Forget a profile and delete its secrets from the keychain."""
    settings = load_settings()
    profile = get_profile(name, settings)  # raises ProfileNotFound with the list
    del settings.profiles[name]
    was_active = settings.active_profile == name
    if was_active:
        settings.active_profile = None
    save_settings(settings)
    secrets.delete_aws_keys(name)
    keys_left = (
        profile.credentials is CredentialSource.KEYCHAIN and not secrets.keychain_status().available
    )
    log.info("profile %r removed", name)
    return Removed(was_active=was_active, keys_left=keys_left)


def set_active_profile(name: str) -> Profile:
    settings = load_settings()
    profile = get_profile(name, settings)
    settings.active_profile = name
    save_settings(settings)
    return profile


def active_profile(settings: Settings | None = None) -> Profile | None:
    """The active profile, or None when there is none (or it has gone)."""
    settings = settings or load_settings()
    name = settings.active_profile
    if name is None or name not in settings.profiles:
        return None
    return Profile.from_dict(name, settings.profiles[name])


def s3_settings_for(profile: Profile) -> S3Settings:
    """Where S3 is and who we are there, with the secret read from the keychain if needed."""
    base = S3Settings(endpoint_url=profile.endpoint_url, region=profile.region)
    if profile.credentials is CredentialSource.AWS_PROFILE:
        return replace(base, profile=profile.aws_profile)
    if profile.credentials is CredentialSource.KEYCHAIN:
        status = secrets.keychain_status()
        if not status.available:
            raise secrets.KeychainUnavailable(
                f"Profile '{profile.name}' keeps its keys in the keychain, but: {status.message}"
            )
        keys = secrets.get_aws_keys(profile.name)
        if keys is None:
            raise CredentialsMissing(
                f"The keychain has no access key for profile '{profile.name}'. Enter it again "
                "with the Connect wizard or 'coachadmin connection add --keychain'."
            )
        return replace(base, access_key=keys.access_key_id, secret_key=keys.secret_access_key)
    return base


def resolve(profile: Profile) -> Connection:
    return Connection(
        name=profile.name,
        bucket=profile.bucket,
        s3=s3_settings_for(profile),
        api_url=profile.api_url,
        production=profile.production,
        saved=True,
    )


def load_active_connection() -> Connection | None:
    """The active profile as a Connection; None when no profile is active.

    Raises a :class:`~coachadmin.errors.UserFacingError` when the profile's keys
    cannot be read (keychain missing or locked, entry deleted): show its message.
    """
    profile = active_profile()
    return resolve(profile) if profile is not None else None
