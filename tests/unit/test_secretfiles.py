"""Secret files: one policy for every key and token on disk — created whole with mode 0600,
never overwritten, refused when others can read them."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from consentgate.errors import ConfigError
from consentgate.secretfiles import create_secret_file, secret_file


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """A umask that would leave new files world-readable: the policy must not depend on it."""
    old = os.umask(0o000)
    yield
    os.umask(old)


@pytest.mark.usefixtures("permissive_umask")
def test_a_missing_secret_is_created_private_once_and_then_only_read(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "thing.key"
    made = []

    def make() -> bytes:
        made.append(os.urandom(32))
        return made[-1]

    first = secret_file(path, setting="CONSENTGATE_X", make=make)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_file(path, setting="CONSENTGATE_X", make=make) == first == made[0]
    assert len(made) == 1
    assert sorted(p.name for p in path.parent.iterdir()) == ["thing.key"]


def test_a_missing_secret_without_a_maker_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^CONSENTGATE_X: no file at .*absent\.key"):
        secret_file(tmp_path / "absent.key", setting="CONSENTGATE_X")
    assert not (tmp_path / "absent.key").exists()


def test_a_secret_others_can_read_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "shared.key"
    path.write_bytes(b"k" * 32)
    path.chmod(0o640)
    with pytest.raises(ConfigError, match=r"readable by its owner only \(chmod 600"):
        secret_file(path, setting="CONSENTGATE_X", make=lambda: b"new")
    assert path.read_bytes() == b"k" * 32


def test_a_directory_in_place_of_a_secret_is_refused(tmp_path: Path) -> None:
    (tmp_path / "key").mkdir(mode=0o700)
    with pytest.raises(ConfigError, match="not a regular file"):
        secret_file(tmp_path / "key", setting="CONSENTGATE_X")


@pytest.mark.usefixtures("permissive_umask")
def test_create_refuses_to_overwrite_and_writes_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "prod.key"
    create_secret_file(path, b"first", setting="CONSENTGATE_X")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ConfigError, match="already exists; a secret file is never overwritten"):
        create_secret_file(path, b"second", setting="CONSENTGATE_X")
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["prod.key"]


def test_processes_starting_together_end_with_one_whole_secret(tmp_path: Path) -> None:
    path = tmp_path / "race.key"
    start = threading.Barrier(8)
    seen: list[bytes] = []

    def starter() -> None:
        start.wait()
        seen.append(secret_file(path, setting="CONSENTGATE_X", make=lambda: os.urandom(4096)))

    threads = [threading.Thread(target=starter) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8
    assert len(set(seen)) == 1
    assert len(seen[0]) == 4096
