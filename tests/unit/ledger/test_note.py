"""C2SP signed notes and checkpoints: what we sign, others can open; what others forge, we refuse."""

from __future__ import annotations

import base64
import hashlib

import pytest

from consentgate.errors import InvalidInput
from consentgate.ledger.note import (
    Checkpoint,
    NoteError,
    NoteSigner,
    NoteVerifier,
    open_checkpoint,
    open_note,
)

ORIGIN = "example.com/log"


@pytest.fixture(scope="module")
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


def test_the_verifier_key_has_the_c2sp_form(signer: NoteSigner) -> None:
    vkey = signer.verifier.encode()
    name, key_id, key = vkey.split("+", 2)
    raw = base64.b64decode(key)
    assert name == ORIGIN
    assert raw[0] == 0x01
    assert raw[1:] == signer.public
    want_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + signer.public).digest()[:4]
    assert key_id == want_id.hex()
    assert NoteVerifier.parse(vkey) == signer.verifier


def test_a_signed_checkpoint_opens_with_its_key(signer: NoteSigner) -> None:
    checkpoint = Checkpoint(ORIGIN, 42, bytes(range(32)))
    note = signer.sign(checkpoint.text())
    assert note.decode().startswith(f"{ORIGIN}\n42\n")
    assert "\n\n\u2014 example.com/log " in note.decode()
    assert open_checkpoint(note, signer.verifier) == checkpoint


def test_a_changed_size_breaks_the_signature(signer: NoteSigner) -> None:
    note = signer.sign(Checkpoint(ORIGIN, 42, bytes(32)).text())
    with pytest.raises(NoteError, match="no valid signature"):
        open_note(note.replace(b"\n42\n", b"\n43\n"), signer.verifier)


def test_a_note_signed_by_another_key_is_refused(signer: NoteSigner) -> None:
    other = NoteSigner.generate(ORIGIN)
    note = other.sign(Checkpoint(ORIGIN, 1, bytes(32)).text())
    with pytest.raises(NoteError):
        open_checkpoint(note, signer.verifier)


def test_extra_cosignatures_by_unknown_keys_are_ignored(signer: NoteSigner) -> None:
    note = signer.sign(Checkpoint(ORIGIN, 7, bytes(32)).text())
    witness = NoteSigner.generate("witness.example")
    cosig = witness.sign(Checkpoint(ORIGIN, 7, bytes(32)).text()).split(b"\n\n")[1]
    assert open_checkpoint(note + cosig, signer.verifier).size == 7


def test_the_signer_key_round_trips_in_go_format(signer: NoteSigner) -> None:
    encoded = signer.encode()
    assert encoded.startswith(f"PRIVATE+KEY+{ORIGIN}+{signer.verifier.key_id.hex()}+")
    assert NoteSigner.parse(encoded).public == signer.public


@pytest.mark.parametrize(
    "text",
    [
        "example.com/log\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "example.com/log\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "example.com/log\n1\nAAAA\n",
        "example.com/log\n1\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


@pytest.mark.parametrize("vkey", ["", "a+b", "name+zz+AAAA", "bad name+00000000+AQ=="])
def test_malformed_verifier_keys_are_refused(vkey: str) -> None:
    with pytest.raises(InvalidInput):
        NoteVerifier.parse(vkey)
