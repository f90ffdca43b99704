"""Keys shared by every application server: the secret key from a file (rotated without
signing everyone out) and the certificate signing keys in one folder, so a certificate
signed by one server verifies on every other, before and after a key rotation."""

import pytest

from training_app import create_app
from training_app.certificates import signing
from training_app.config import SettingError


@pytest.fixture
def server(tmp_path, monkeypatch):
    """A server's app: its own instance folder, the shared settings in the environment."""
    monkeypatch.delenv("TRAINING_SECRET_KEY", raising=False)

    def make(name: str):
        monkeypatch.setenv("TRAINING_INSTANCE_PATH", str(tmp_path / name))
        monkeypatch.setenv("TRAINING_DATABASE_URL", f"sqlite:///{tmp_path / 'shared.sqlite3'}")
        return create_app({"TESTING": True})

    return make


def cookie_from(app, data: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def cookie_read_by(app, cookie: str) -> dict | None:
    from itsdangerous import BadSignature

    try:
        return app.session_interface.get_signing_serializer(app).loads(cookie)
    except BadSignature:
        return None


def test_servers_reading_one_secret_key_file_accept_each_others_cookies(server, tmp_path,
                                                                        monkeypatch):
    key_file = tmp_path / "secret_key"
    key_file.write_text("first-shared-secret\n")
    monkeypatch.setenv("TRAINING_SECRET_KEY_FILE", str(key_file))
    a, b = server("a"), server("b")
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] == "first-shared-secret"
    cookie = cookie_from(a, {"person": 7})
    assert cookie_read_by(b, cookie) == {"person": 7}
    # without the shared file each server would make up its own key and refuse the other's
    monkeypatch.delenv("TRAINING_SECRET_KEY_FILE")
    assert cookie_read_by(server("c"), cookie) is None

    # rotation: the new key first, the old one kept below it while old cookies expire
    key_file.write_text("second-shared-secret\nfirst-shared-secret\n")
    monkeypatch.setenv("TRAINING_SECRET_KEY_FILE", str(key_file))
    rotated = server("b")
    assert rotated.config["SECRET_KEY"] == "second-shared-secret"
    assert cookie_read_by(rotated, cookie) == {"person": 7}
    assert cookie_read_by(a, cookie_from(rotated, {"person": 8})) is None  # new key signs


def test_an_unreadable_secret_key_file_stops_the_server_naming_it(server, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("TRAINING_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingError, match="TRAINING_SECRET_KEY_FILE=.*missing cannot be read"):
        server("a")
    (tmp_path / "empty").write_text("\n")
    monkeypatch.setenv("TRAINING_SECRET_KEY_FILE", str(tmp_path / "empty"))
    with pytest.raises(SettingError, match="is empty"):
        server("a")


def test_a_certificate_signed_by_one_server_verifies_on_another_across_a_rotation(
        server, tmp_path, monkeypatch):
    monkeypatch.setenv("TRAINING_KEYS_DIR", str(tmp_path / "shared-keys"))
    a, b = server("a"), server("b")
    old = signing.sign_token({"name": "Amina Diallo"}, a.instance_path)
    assert signing.verify_token(old, signing.public_keys(b.instance_path))["name"] == (
        "Amina Diallo")
    rotated = a.test_cli_runner().invoke(args=["certificates", "rotate-key"])
    assert rotated.exit_code == 0, rotated.output
    new = signing.sign_token({"name": "Li Wei"}, b.instance_path)  # b signs with a's new key
    assert signing.token_payload(new)["kid"] != signing.token_payload(old)["kid"]
    keys_on_a = signing.public_keys(a.instance_path)
    assert signing.verify_token(old, keys_on_a)["name"] == "Amina Diallo"
    assert signing.verify_token(new, keys_on_a)["name"] == "Li Wei"
    published = {k["kid"]: k["active"] for k in signing.keys_document(b.instance_path)["keys"]}
    assert published == {signing.token_payload(old)["kid"]: False,
                         signing.token_payload(new)["kid"]: True}


def test_keys_already_in_a_servers_own_folder_are_not_hidden_by_the_shared_one(
        server, tmp_path, monkeypatch):
    own = server("a")
    signing.ensure_signing_key(own.instance_path)
    monkeypatch.setenv("TRAINING_KEYS_DIR", str(tmp_path / "shared-keys"))
    with pytest.raises(FileExistsError, match="holds keys and TRAINING_KEYS_DIR"):
        server("a")
