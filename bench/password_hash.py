"""Measure the cost of one password hash and one verification with the production method.

    .venv/bin/python bench/password_hash.py [--rounds 7] [--method scrypt:32768:8:3]

Prints the median and the worst time. The method is cdt_app.auth.passwords.HASH_METHOD unless
CDT_PASSWORD_HASH_METHOD or --method says otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import time

from werkzeug.security import check_password_hash, generate_password_hash


def measure(method: str, rounds: int) -> dict[str, float]:
    hashes, checks = [], []
    for i in range(rounds):
        start = time.perf_counter()
        stored = generate_password_hash(f"mot cau de nho {i}", method=method)
        hashes.append(time.perf_counter() - start)
        start = time.perf_counter()
        assert check_password_hash(stored, f"mot cau de nho {i}")
        checks.append(time.perf_counter() - start)
    return {
        "hash_median_ms": statistics.median(hashes) * 1000,
        "hash_max_ms": max(hashes) * 1000,
        "verify_median_ms": statistics.median(checks) * 1000,
    }


def main() -> None:
    from cdt_app.auth.passwords import HASH_METHOD

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--method", default=HASH_METHOD)
    args = parser.parse_args()
    result = measure(args.method, args.rounds)
    print(
        f"{args.method}: hash median {result['hash_median_ms']:.0f} ms "
        f"(max {result['hash_max_ms']:.0f} ms), verify median {result['verify_median_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
