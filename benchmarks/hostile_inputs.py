"""Time and peak memory of `msp-docs check` and `msp-docs add-clauses` on every hostile file.

    python benchmarks/hostile_inputs.py                 # every case, one process at a time
    python benchmarks/hostile_inputs.py --full-check    # also check the 5,000-page document (a minute or more)

Prints one line per case and command: exit code, wall time, peak resident memory (from wait4)
and the start of the message. The files are made by tests/hostile.py, as the hardening tests
make them; tests/test_hardening.py asserts the limits (under 500 MB, exit 2 with a clear
message), this script only reports the figures, one process at a time so they are not shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import hostile  # noqa: E402  (tests/hostile.py)

PROFILE = ROOT / "profiles" / "kingsmead-st-annes.yaml"


def measure(args: list, cwd: Path) -> tuple[int, float, float, str]:
    """Run ``python -m msp_docs ARGS``: exit code, seconds, peak MB and the first line of stderr."""
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        pid = os.posix_spawn(sys.executable, [sys.executable, "-m", "msp_docs", *map(str, args)], os.environ, file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0), (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        _pid, status, usage = os.wait4(pid, 0)
        seconds = time.monotonic() - start
        err.seek(0)
        message = err.read().decode("utf-8", "replace").strip().splitlines()
    peak = usage.ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)
    return os.waitstatus_to_exitcode(status), seconds, peak, (message[0] if message else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-check", action="store_true", help="also check the 5,000-page document")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        secret = folder / "secret.txt"
        secret.write_text("secret", encoding="utf-8")
        url = "http://127.0.0.1:9"  # nothing listens there; nothing should try
        cases = {
            "valid contract": lambda d: hostile.valid_docx(d),
            "zip bomb (300 MB, 757x)": lambda d: hostile.honest_zip_bomb(d),
            "dense zip bomb (300 MB, 286x)": lambda d: hostile.dense_zip_bomb(d),
            "split zip bomb (40 x 9 MB)": lambda d: hostile.split_zip_bomb(d),
            "overlapping entries (2,000 x 9 MB)": lambda d: hostile.overlapping_zip_bomb(d),
            "lying zip (4 KB declared, 300 MB real)": lambda d: hostile.lying_zip(d),
            "lying [Content_Types].xml": lambda d: hostile.lying_zip(d, member="[Content_Types].xml"),
            "6,000 members": lambda d: hostile.many_members(d),
            "member ../evil.xml": lambda d: hostile.hostile_member_name(d, "../evil.xml", "dotdot.docx"),
            "member /abs.xml": lambda d: hostile.hostile_member_name(d, "/abs.xml", "absolute.docx"),
            "truncated zip": lambda d: hostile.truncated_zip(d),
            "billion laughs": lambda d: hostile.billion_laughs(d),
            "billion laughs in UTF-16": lambda d: hostile.billion_laughs(d, hidden="utf-16"),
            "external entity file://": lambda d: hostile.external_entity(d, secret.as_uri(), "xxe-file.docx"),
            "external entity http://": lambda d: hostile.external_entity(d, url + "/x", "xxe-http.docx"),
            "external DTD http://": lambda d: hostile.external_dtd(d, url),
            "5,000 pages": lambda d: hostile.huge_document(d),
            "210,000 paragraphs": lambda d: hostile.too_many_paragraphs(d),
            "tables nested 300 deep": lambda d: hostile.nested_tables(d, 300),
            "tables nested 80 deep": lambda d: hostile.nested_tables(d, 80),
            "password-protected": lambda d: hostile.encrypted_office(d),
            "rights-protected": lambda d: hostile.rights_protected_office(d),
            ".docm with macros": lambda d: hostile.docm(d),
            "random bytes": lambda d: hostile.random_bytes(d),
            "scanned PDF": lambda d: hostile.scanned_pdf(d),
            "old .doc": lambda d: hostile.old_doc(d),
            ".odt": lambda d: hostile.odt(d),
        }
        print(f"{'case':40} {'command':11} {'exit':>4} {'seconds':>8} {'peak MB':>8}  message")
        for label, make in cases.items():
            target = folder / "in" / str(abs(hash(label)))
            target.mkdir(parents=True)
            start = time.monotonic()
            path = make(target)
            made = time.monotonic() - start
            runs = []
            if label != "5,000 pages" or options.full_check:
                runs.append(("check", ["check", "-j", "1", path]))
            out = folder / "out" / target.name / "with-schedule.docx"
            out.parent.mkdir(parents=True)
            runs.append(("add-clauses", ["add-clauses", path, "--service", "repairs", "--profile", PROFILE, "-o", out, "--date", "2026-04-01"]))
            for command, args in runs:
                code, seconds, peak, message = measure(args, folder)
                print(f"{label:40} {command:11} {code:>4} {seconds:>8.1f} {peak:>8.0f}  {message[:90]}")
            print(f"{'':40} {'(made in':11} {made:>13.2f} s)")


if __name__ == "__main__":
    main()
