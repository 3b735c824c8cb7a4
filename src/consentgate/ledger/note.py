"""C2SP signed notes and tlog checkpoints with Ed25519 (pure: keys are passed in).

* signed-note (https://c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, then
  one line per signature, ``— <key name> <base64(key id || signature)>``. The key id is the first
  four bytes of ``SHA-256(name || "\\n" || 0x01 || public key)``; ``0x01`` is the Ed25519 type.
* Verifier keys are ``<name>+<hex key id>+<base64(0x01 || public key)>``; signer keys, the form we
  store on disk, are ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`` (as Go's
  ``golang.org/x/mod/sumdb/note`` writes them).
* tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the note text is the origin line, the tree
  size in decimal, the base64 root hash, then optional extension lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from consentgate.errors import IntegrityError, InvalidInput

ED25519 = 0x01
_DASH = "\u2014 "


class NoteError(IntegrityError):
    """A note or checkpoint is malformed or its signature does not verify."""


def _key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise InvalidInput(f"a note key name has no '+' and no spaces: {name!r}")


def _decode_key(which: str, name: str, hex_id: str, b64: str) -> tuple[bytes, bytes]:
    """The key id and the raw Ed25519 key of an encoded ``which`` (verifier or signer) key, whose
    name is checked and whose base64 part must be ``0x01`` followed by 32 bytes."""
    _check_name(name)
    try:
        key_id = bytes.fromhex(hex_id)
        raw = base64.b64decode(b64, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInput(f"the {which} key's id or key is not hex/base64") from None
    if len(raw) != 33 or raw[0] != ED25519:
        raise InvalidInput(f"the {which} key is not an Ed25519 note key")
    return key_id, raw[1:]


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 note verifier key."""

    name: str
    key_id: bytes
    public: bytes

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex key id>+<base64(0x01 || public key)>``."""
        parts = vkey.strip().split("+", 2)  # base64 may contain "+"
        if len(parts) != 3:
            raise InvalidInput("a verifier key looks like <name>+<hex key id>+<base64 key>")
        name, hex_id, b64 = parts
        key_id, public = _decode_key("verifier", name, hex_id, b64)
        if len(key_id) != 4:
            raise InvalidInput("the verifier key is not an Ed25519 note key")
        if _key_id(name, public) != key_id:
            raise InvalidInput("the verifier key's id does not match its name and key")
        return cls(name=name, key_id=key_id, public=public)

    def encode(self) -> str:
        b64 = base64.b64encode(bytes([ED25519]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{b64}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, text)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 note signer: a name (the log origin) and a private key."""

    name: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        _check_name(name)
        return cls(name=name, private=Ed25519PrivateKey.generate())

    @classmethod
    def parse(cls, skey: str) -> NoteSigner:
        """Parse ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>``."""
        parts = skey.strip().split("+", 4)  # base64 may contain "+"
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise InvalidInput("a signer key looks like PRIVATE+KEY+<name>+<hex id>+<base64 key>")
        name, hex_id, b64 = parts[2:]
        key_id, seed = _decode_key("signer", name, hex_id, b64)
        signer = cls(name=name, private=Ed25519PrivateKey.from_private_bytes(seed))
        if signer.verifier.key_id != key_id:
            raise InvalidInput("the signer key's id does not match its name and key")
        return signer

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self.name, _key_id(self.name, self.public), self.public)

    def encode(self) -> str:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        b64 = base64.b64encode(bytes([ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{b64}"

    def sign(self, text: str) -> bytes:
        """Sign ``text`` into a C2SP signed note (text, blank line, one signature line)."""
        if not text.endswith("\n") or "\n\n" in text:
            raise InvalidInput("a note text ends with a newline and has no blank line")
        body = text.encode()
        sig = self.verifier.key_id + self.private.sign(body)
        return body + f"\n{_DASH}{self.name} {base64.b64encode(sig).decode()}\n".encode()


def open_note(note: bytes, verifier: NoteVerifier) -> str:
    """Return the text of ``note`` if it carries a valid signature by ``verifier``.

    Signatures by other keys are ignored, as C2SP signed-note allows (witness cosignatures).
    """
    try:
        decoded = note.decode()
    except UnicodeDecodeError:
        raise NoteError("the note is not UTF-8") from None
    text, sep, sigs = decoded.rpartition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise NoteError("the note has no signature block")
    text += "\n"
    for line in sigs[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise NoteError("a signature line does not start with an em dash")
        name, _, b64 = line[len(_DASH) :].partition(" ")
        try:
            raw = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise NoteError("a signature is not base64") from None
        if (
            name == verifier.name
            and raw[:4] == verifier.key_id
            and verifier.verify(text.encode(), raw[4:])
        ):
            return text
    raise NoteError(f"the note carries no valid signature by {verifier.name}")


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: who (origin), how big (size), what (root hash)."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint has an origin, a size and a root hash line")
        origin, size, root = lines[:3]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError("the checkpoint size is not a decimal number")
        try:
            raw = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise NoteError("the checkpoint root is not base64") from None
        if not origin or len(raw) != 32:
            raise NoteError("the checkpoint has no origin or a root that is not 32 bytes")
        return cls(origin=origin, size=int(size), root=raw)


def open_checkpoint(note: bytes, verifier: NoteVerifier, origin: str | None = None) -> Checkpoint:
    """Verify a signed checkpoint note and parse it; the origin must be the key's log."""
    checkpoint = Checkpoint.parse(open_note(note, verifier))
    want = origin or verifier.name
    if checkpoint.origin != want:
        raise NoteError(f"the checkpoint is for {checkpoint.origin!r}, not {want!r}")
    return checkpoint
