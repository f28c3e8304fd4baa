"""Saved profiles in the toolbar's connection menu: listed, production marked, switched."""

from __future__ import annotations

import uuid

from coachadmin.profiles import (
    CredentialSource,
    Profile,
    active_profile,
    save_profile,
)
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.secrets import AwsKeyPair, delete_aws_keys
from coachadmin.ui.main_window import MainWindow

REGION = "eu-north-1"


def make_bucket(endpoint: str) -> str:
    name = f"switch-{uuid.uuid4().hex[:12]}"
    client = make_client(S3Settings(endpoint_url=endpoint, region=REGION))
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_object(Bucket=name, Key="videos/intro.mp4", Body=b"x")
    return name


def profile(name: str, endpoint: str, **extra: object) -> Profile:
    """A connection to a new bucket of the test server (credentials from the environment
    unless ``extra`` says otherwise)."""
    fields: dict[str, object] = {"credentials": CredentialSource.ENVIRONMENT} | extra
    return Profile(
        name=name, bucket=make_bucket(endpoint), region=REGION, endpoint_url=endpoint, **fields
    )  # type: ignore[arg-type]


def test_saved_profiles_switch_from_the_toolbar(qtbot, window: MainWindow, s3_server: str):
    staging = profile("Staging", s3_server)
    production = profile("Production", s3_server, production=True)
    save_profile(staging, make_active=True)
    save_profile(production)

    switcher = window.switcher
    switcher.rebuild_menu()
    texts = [a.text() for a in switcher.menu_.actions() if a.text()]
    assert texts[:2] == ["Production  ·  PRODUCTION", "Staging"]  # by name
    assert "Connect…" in texts

    production_action = next(a for a in switcher.menu_.actions() if a.text().startswith("Prod"))
    production_action.trigger()

    qtbot.waitUntil(
        lambda: window.connection is not None and window.connection.name == "Production",
        timeout=15_000,
    )
    assert window.connection.production
    assert switcher.text() == "Production"
    assert window.connection_status.isVisible()
    assert active_profile() is not None
    assert active_profile().name == "Production"  # remembered for the next start
    switcher.rebuild_menu()
    checked = [a.text() for a in switcher.menu_.actions() if a.isChecked()]
    assert checked == ["Production  ·  PRODUCTION"]


def test_a_connection_that_cannot_open_is_not_made_the_one_the_next_start_opens(
    qtbot, window: MainWindow, s3_server: str, bus, memory_keyring
):
    """Its keychain entry is gone: the window says so, stays where it was, and the
    active connection is still the one it was (the next start does not fail on it)."""
    staging = profile("Staging", s3_server)
    gone = profile("Gone", s3_server, credentials=CredentialSource.KEYCHAIN)
    save_profile(staging, make_active=True)
    save_profile(gone, keys=AwsKeyPair("AKIAEXAMPLE000000009", "testing"))
    delete_aws_keys("Gone")  # as when its keychain entry was deleted
    window.switch_profile("Staging")
    qtbot.waitUntil(lambda: window.connection is not None, timeout=15_000)
    said: list[str] = []
    bus.posted.connect(lambda message: said.append(message.text))
    window.switch_profile("Gone")
    qtbot.waitUntil(lambda: any("keychain" in text for text in said), timeout=15_000)
    assert window.connection.name == "Staging"
    assert active_profile().name == "Staging"


def test_the_welcome_page_offers_the_saved_connections(qtbot, window: MainWindow, s3_server):
    """When the connection saved as active could not open, the welcome page shows; its
    toolbar's switcher is the way to the others (it was hidden there)."""
    window.show_welcome()
    assert not window.toolbar.isVisible()  # nothing saved: nothing to switch to
    save_profile(profile("Staging", s3_server))
    window.show_welcome()
    assert window.toolbar.isVisible() and window.switcher.isVisible()
    window.switcher.rebuild_menu()
    assert "Staging" in [a.text() for a in window.switcher.menu_.actions()]
