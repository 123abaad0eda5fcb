"""Settings are declared once (tehkg/settings.py): every malformed value is exit 2 naming its variable, flags
override the environment, and the whole set reaches uvicorn's replicas."""

import pytest

from tehkg import cli
from tehkg.settings import GateSettings, PublishSettings, Settings, SettingsError, TehkgSettings

CLASSES: list[type[TehkgSettings]] = [GateSettings, PublishSettings, Settings]
# a value that no field of these types reads: not a number, a boolean, an origin or a path
WRONG = {int: "lots", float: "lots", bool: "maybe"}


def typed_fields() -> list[tuple[type[TehkgSettings], str]]:
    return [
        (cls, name)
        for cls in CLASSES
        for name, field in cls.model_fields.items()
        if field.annotation in WRONG or name == "public_url"
    ]


@pytest.mark.parametrize(("cls", "name"), typed_fields(), ids=lambda v: getattr(v, "__name__", v))
def test_a_malformed_setting_names_its_variable(cls, name, monkeypatch):
    field = cls.model_fields[name]
    monkeypatch.setenv(f"TEHKG_{name.upper()}", WRONG.get(field.annotation, "ftp://not-an-origin"))
    with pytest.raises(SettingsError, match=f"^TEHKG_{name.upper()}: "):
        cls.load()


def test_target_timeout_abc_is_exit_2_naming_it(monkeypatch, capsys, tmp_path):
    """Finding: TEHKG_TARGET_TIMEOUT=abc tehkg build --target … ended in a traceback with exit 1."""
    monkeypatch.setenv("TEHKG_TARGET_TIMEOUT", "abc")
    code = cli.main(["build", "--store", str(tmp_path / "store"), "--target", "http://127.0.0.1:1/store"])
    assert code == cli.EXIT_UNREADABLE
    assert capsys.readouterr().err.startswith("error: TEHKG_TARGET_TIMEOUT: input should be a valid number")


def test_flags_override_the_environment(monkeypatch):
    monkeypatch.setenv("TEHKG_TIMEOUT", "12")
    monkeypatch.setenv("TEHKG_WORKERS", "3")
    settings = Settings.load(timeout=5, workers=None)
    assert settings.timeout == 5 and settings.workers == 3


def test_every_setting_reaches_the_replicas_through_the_environment(monkeypatch):
    settings = Settings.load(
        timeout=7, service_allow="http://a.example/sparql,http://b.example/sparql", access_log=True
    )
    for name, value in settings.environment().items():
        monkeypatch.setenv(name, value)
    assert Settings.load() == settings


def test_one_client_cannot_be_allowed_every_connection():
    with pytest.raises(SettingsError, match="TEHKG_MAX_CLIENT_CONNECTIONS .* must be below TEHKG_MAX_CONNECTIONS"):
        Settings.load(max_client_connections=512, max_connections=512)
