"""Settings: defaults, round trip, unknown keys, damaged files, migrations, atomic writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from coachadmin import paths, settings
from coachadmin.redact import register_secret
from coachadmin.settings import Settings, SettingsError, load_settings, save_settings


def _write(data: Any) -> Path:
    path = paths.settings_path()
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_no_file_gives_the_declared_defaults(app_home: Path) -> None:
    loaded = load_settings()
    assert loaded.schema_version == settings.SCHEMA_VERSION
    assert loaded.profiles == {}
    assert loaded.active_profile is None
    assert loaded.resume_uploads_at_start is True
    assert loaded.upload_part_size_mib is None
    assert loaded.transfer_concurrency is None
    assert loaded.notices == []
    assert not paths.settings_path().exists()  # reading never creates the file


def test_settings_live_under_coachadmin_home(app_home: Path) -> None:
    save_settings(Settings(active_profile="x"))
    assert paths.settings_path() == app_home / "config" / "settings.json"
    assert json.loads(paths.settings_path().read_text())["active_profile"] == "x"


def test_round_trip_keeps_every_value() -> None:
    original = Settings(
        profiles={"staging": {"bucket": "coach-media-staging", "region": "eu-north-1"}},
        active_profile="staging",
        resume_uploads_at_start=False,
        upload_part_size_mib=64,
        transfer_concurrency=8,
    )
    save_settings(original)
    loaded = load_settings()
    assert settings.to_dict(loaded) == settings.to_dict(original)
    assert loaded.upload_part_size_mib == 64
    assert loaded.resume_uploads_at_start is False


def test_every_setting_is_described() -> None:
    fields = settings.setting_fields()
    assert {f.name for f in fields} >= {
        "schema_version",
        "profiles",
        "active_profile",
        "resume_uploads_at_start",
        "upload_part_size_mib",
        "transfer_concurrency",
    }
    assert all(f.metadata.get("description") for f in fields)


def test_unknown_keys_survive_a_round_trip() -> None:
    _write({"schema_version": 1, "active_profile": "a", "from_a_newer_app": {"x": [1, 2]}})
    loaded = load_settings()
    loaded.active_profile = "b"
    save_settings(loaded)
    data = json.loads(paths.settings_path().read_text())
    assert data["from_a_newer_app"] == {"x": [1, 2]}
    assert data["active_profile"] == "b"


def test_a_damaged_file_is_kept_aside_and_said(app_home: Path) -> None:
    path = paths.settings_path()
    path.write_text('{"active_profile": "staging", oops', encoding="utf-8")
    loaded = load_settings()
    assert loaded.active_profile is None
    backups = list(path.parent.glob("settings.json.corrupt-*"))
    assert len(backups) == 1
    assert backups[0].read_text() == '{"active_profile": "staging", oops'
    assert len(loaded.notices) == 1
    assert str(backups[0]) in loaded.notices[0]
    assert "damaged" in loaded.notices[0]
    # The next start does not find it damaged again, nor make another copy.
    assert load_settings().notices == []
    assert len(list(path.parent.glob("settings.json.corrupt-*"))) == 1


def test_a_file_that_is_not_an_object_counts_as_damaged() -> None:
    _write(["not", "settings"])
    loaded = load_settings()
    assert "damaged" in loaded.notices[0]
    assert list(paths.config_dir().glob("settings.json.corrupt-*"))


def test_values_of_the_wrong_type_fall_back_to_their_default() -> None:
    _write(
        {
            "schema_version": 1,
            "resume_uploads_at_start": "yes",
            "transfer_concurrency": True,
            "upload_part_size_mib": 2,  # below S3's 5 MiB minimum
            "active_profile": "kept",
            "profiles": {"p": "not an object"},
        }
    )
    loaded = load_settings()
    assert loaded.resume_uploads_at_start is True
    assert loaded.transfer_concurrency is None
    assert loaded.upload_part_size_mib is None
    assert loaded.profiles == {}
    assert loaded.active_profile == "kept"
    named = " ".join(loaded.notices)
    for name in ("resume_uploads_at_start", "transfer_concurrency", "upload_part_size_mib"):
        assert name in named


def test_migrations_run_in_order_once_with_a_copy_of_the_old_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
        data["transfer_concurrency"] = data.pop("threads")
        return data

    monkeypatch.setattr(settings, "SCHEMA_VERSION", 2)
    monkeypatch.setitem(settings.MIGRATIONS, 1, v1_to_v2)
    path = _write({"schema_version": 1, "threads": 6})
    loaded = load_settings()
    assert loaded.transfer_concurrency == 6
    assert loaded.schema_version == 2
    on_disk = json.loads(path.read_text())
    assert on_disk["schema_version"] == 2
    assert "threads" not in on_disk
    backups = list(path.parent.glob("settings.json.v1-*"))
    assert [json.loads(b.read_text()) for b in backups] == [{"schema_version": 1, "threads": 6}]
    load_settings()  # already migrated: no second copy
    assert len(list(path.parent.glob("settings.json.v1-*"))) == 1


def test_a_file_without_a_version_is_read_as_the_first_layout() -> None:
    _write({"active_profile": "hand-written"})
    loaded = load_settings()
    assert loaded.active_profile == "hand-written"
    assert json.loads(paths.settings_path().read_text())["schema_version"] == 1


def test_a_newer_file_keeps_its_version_and_keys() -> None:
    _write({"schema_version": 99, "active_profile": "a", "new_thing": True})
    loaded = load_settings()
    save_settings(loaded)
    data = json.loads(paths.settings_path().read_text())
    assert data["schema_version"] == 99
    assert data["new_thing"] is True


def test_a_failed_write_leaves_the_old_file_and_no_debris(monkeypatch: pytest.MonkeyPatch) -> None:
    save_settings(Settings(active_profile="old"))

    def refuse(self: Path, target: Path) -> Path:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(Path, "replace", refuse)
        with pytest.raises(SettingsError, match="disk full"):
            save_settings(Settings(active_profile="new"))
    assert load_settings().active_profile == "old"
    assert sorted(p.name for p in paths.config_dir().iterdir()) == ["settings.json"]


def test_a_known_secret_is_never_written() -> None:
    secret = "FAKEsecretDO-NOT-LOG-settings-1d2c"
    register_secret(secret)
    save_settings(Settings(active_profile="before"))
    leaking = Settings(profiles={"p": {"bucket": "b", "note": secret}})
    with pytest.raises(SettingsError, match="bug"):
        save_settings(leaking)
    text = paths.settings_path().read_text()
    assert secret not in text
    assert json.loads(text)["active_profile"] == "before"


def test_update_settings_reads_changes_and_writes() -> None:
    save_settings(Settings(transfer_concurrency=4))
    settings.update_settings(lambda s: setattr(s, "active_profile", "p"))
    loaded = load_settings()
    assert (loaded.active_profile, loaded.transfer_concurrency) == ("p", 4)
