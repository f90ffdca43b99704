"""Verification codes catch typing mistakes; signed tokens catch forgery."""

import base64
import json

import pytest

from training_app.certificates import codes, signing

ALPHABET = codes.ALPHABET


def test_new_codes_are_valid_and_distinct():
    made = {codes.new_code() for _ in range(500)}
    assert len(made) == 500
    assert all(codes.normalise(c) == c and len(c) == 12 for c in made)


def test_every_single_character_mistake_is_caught():
    code = codes.new_code()
    for i in range(len(code)):
        for ch in ALPHABET:
            if ch != code[i]:
                assert codes.normalise(code[:i] + ch + code[i + 1:]) is None


def test_most_swaps_of_neighbours_are_caught():
    caught = total = 0
    for _ in range(200):
        code = codes.new_code()
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                total += 1
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                caught += codes.normalise(swapped) is None
    assert caught / total > 0.9


def test_typing_is_forgiving_about_case_dashes_and_confusable_letters():
    code = codes.new_code()
    shown = codes.display(code)
    assert shown.count("-") == 2
    assert codes.normalise(shown.lower()) == code
    assert codes.normalise(" " + shown + " ") == code
    if "1" in code:
        assert codes.normalise(code.replace("1", "I")) == code
    if "0" in code:
        assert codes.normalise(code.replace("0", "o")) == code


@pytest.mark.parametrize("raw", ["", "ABC", "x" * 500, "<script>", "ÄÖÜ" * 4, "12345678901U"])
def test_garbage_is_not_a_code(raw):
    assert codes.normalise(raw) is None


def test_signed_token_round_trip_and_tampering(tmp_path):
    token = signing.sign_token({"name": "Amina Diallo", "code": "X"}, str(tmp_path))
    keys = signing.public_keys(str(tmp_path))
    assert signing.verify_token(token, keys)["name"] == "Amina Diallo"

    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["name"] = "Someone Else"
    forged_body = base64.urlsafe_b64encode(
        json.dumps(payload).encode()).rstrip(b"=").decode()
    for bad in (f"{head}.{forged_body}.{sig}", token[:-5], token + "x", "", "a.b.c",
                f"{head}.{body}"):
        with pytest.raises(signing.TokenError):
            signing.verify_token(bad, keys)


def test_other_key_is_rejected_and_rotation_keeps_old_tokens_valid(tmp_path):
    old = signing.sign_token({"n": 1}, str(tmp_path))
    signing.rotate_signing_key(str(tmp_path))
    new = signing.sign_token({"n": 2}, str(tmp_path))
    keys = signing.public_keys(str(tmp_path))
    assert len(keys) == 2
    assert signing.verify_token(old, keys)["n"] == 1
    assert signing.verify_token(new, keys)["n"] == 2
    stranger = signing.sign_token({"n": 3}, str(tmp_path / "other"))
    with pytest.raises(signing.TokenError):
        signing.verify_token(stranger, keys)
