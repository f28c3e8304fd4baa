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
from coachadmin.ui.main_window import MainWindow

REGION = "eu-north-1"


def make_bucket(endpoint: str) -> str:
    name = f"switch-{uuid.uuid4().hex[:12]}"
    client = make_client(S3Settings(endpoint_url=endpoint, region=REGION))
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_object(Bucket=name, Key="videos/intro.mp4", Body=b"x")
    return name


def test_saved_profiles_switch_from_the_toolbar(qtbot, window: MainWindow, s3_server: str):
    staging = Profile(
        name="Staging",
        bucket=make_bucket(s3_server),
        region=REGION,
        endpoint_url=s3_server,
        credentials=CredentialSource.ENVIRONMENT,
    )
    production = Profile(
        name="Production",
        bucket=make_bucket(s3_server),
        region=REGION,
        endpoint_url=s3_server,
        credentials=CredentialSource.ENVIRONMENT,
        production=True,
    )
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
