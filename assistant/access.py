"""Staff sign-in: a password that is never a shipped default, compared in constant time, with back-off.

    access = StaffAccess.from_settings(settings, announce=print)   # first start: generates + prints a password
    result = access.check("typed password")
    result.ok, result.message                                      # "Too many failed attempts; wait 30 s" ...

Where the password comes from, in order:
1. `Settings.staff_password` (`SHOP_STAFF_PASSWORD`; `make demo` sets the documented demo password `staff-demo`);
2. the hash kept in `<state dir>/staff_password.hash` by an earlier start;
3. otherwise one is generated (`secrets.token_urlsafe`), `announce`d once, and only its salted PBKDF2 hash is
   kept (file mode 0600): the plain password is stored nowhere.

Every check hashes the attempt and compares digests with `hmac.compare_digest` (same time whether the first
or the last character is wrong). After `staff_max_failures` failures in a row every attempt is refused without
checking for `staff_lockout_s`, doubling with each further failure (capped at an hour); a success resets it.
The counter is shared by all sessions of the process (a new browser tab does not reset it).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
ITERATIONS = 200_000
MAX_LOCKOUT_S = 3600.0
HASH_FILE = "staff_password.hash"


@dataclass(frozen=True)
class SignIn:
    ok: bool
    message: str
    wait_s: float = 0.0


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, ITERATIONS)


class StaffAccess:
    def __init__(self, salt: bytes, digest: bytes, max_failures: int = 5, lockout_s: float = 30.0,
                 clock=time.monotonic):
        self._salt, self._digest = salt, digest
        self.max_failures, self.lockout_s = max_failures, lockout_s
        self._clock = clock
        self._failures = 0
        self._locked_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_password(cls, password: str, **kwargs) -> "StaffAccess":
        if not password:
            raise ValueError("staff password must not be empty")
        salt = secrets.token_bytes(16)
        return cls(salt, _hash(password, salt), **kwargs)

    @classmethod
    def from_settings(cls, settings, announce=None) -> "StaffAccess":
        """The configured password, else the stored hash, else a new generated password `announce`d once."""
        kwargs = {"max_failures": settings.staff_max_failures, "lockout_s": settings.staff_lockout_s}
        if settings.staff_password:
            return cls.from_password(settings.staff_password, **kwargs)
        path = Path(settings.state_db).parent / HASH_FILE
        if path.is_file():
            try:
                salt_hex, digest_hex = path.read_text(encoding="ascii").split()
                return cls(bytes.fromhex(salt_hex), bytes.fromhex(digest_hex), **kwargs)
            except ValueError as e:
                raise ValueError(f"{path}: expected '<salt hex> <digest hex>' ({e}); delete it to generate a new "
                                 "staff password") from e
        password = secrets.token_urlsafe(12)
        access = cls.from_password(password, **kwargs)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(f"{access._salt.hex()} {access._digest.hex()}\n")
        (announce or print)(f"Staff password (shown once, only its hash is kept in {path}): {password}")
        log.info("generated a staff password; its hash is in %s", path)
        return access

    def check(self, password: str | None) -> SignIn:
        with self._lock:
            now = self._clock()
            if now < self._locked_until:
                wait = self._locked_until - now
                return SignIn(False, f"Too many failed attempts; try again in {wait:.0f} s.", wait)
        ok = hmac.compare_digest(_hash(password or "", self._salt), self._digest)
        with self._lock:
            if ok:
                self._failures, self._locked_until = 0, 0.0
                return SignIn(True, "Signed in as staff.")
            self._failures += 1
            extra = self._failures - self.max_failures
            if extra >= 0:
                wait = min(MAX_LOCKOUT_S, self.lockout_s * 2 ** extra)
                self._locked_until = self._clock() + wait
                log.warning("staff sign-in: %d failed attempts in a row; locked for %.0f s", self._failures, wait)
                return SignIn(False, f"Wrong password. Too many failed attempts; try again in {wait:.0f} s.", wait)
            return SignIn(False, "Wrong password.")
