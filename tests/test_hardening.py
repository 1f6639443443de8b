"""Hardening: hostile documents, sandboxed templates, hostile profiles, parallel and interrupted builds.

Every hostile file is generated at test time by ``tests/hostile.py``. Documents are given to the
real command line in a fresh process (two at a time), whose peak memory is read with ``wait4``
and whose wall time is measured; each case must end with a clear message, exit 2 (or a proper
result where reading the file is legitimate), no traceback, under 500 MB and within the time
limit. External entities point at a local HTTP server that counts every connection, so "no
network" is shown by the server, not assumed.

Profiles are mutated with Hypothesis (bounded and derandomised so CI is stable) and built
through the library; templates carrying the known Jinja sandbox escapes are built through the
CLI.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import os
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from lxml import etree

import hostile
from msp_docs import yamlfile
from msp_docs.cli import cli
from msp_docs.errors import InvalidInputError, MspDocsError, ProfileError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "profiles" / "kingsmead-st-annes.yaml"
DATE = "2026-04-01"
MEMORY_LIMIT_MB = 500
# Generous for a 2-core CI machine: the slowest legitimate case here takes about 10 s on one.
TIME_LIMIT_S = 60
ADVICE = re.compile(r"\b(save|ask|open it|split|remove|retype|delete|run it|use --|give a|fill it|check the path|check the file)\b", re.IGNORECASE)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# ============================================================================ running the CLI measured

@dataclass(frozen=True)
class Run:
    """One finished msp-docs process: exit code, output, wall time and peak resident memory."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    def describe(self) -> str:
        return f"msp-docs {' '.join(self.args)}\nexit {self.code} in {self.seconds:.1f} s, {self.peak_mb:.0f} MB\nstdout: {self.stdout[-2000:]}\nstderr: {self.stderr[-2000:]}"


def run_measured(args, *, cwd: Path, timeout: float = TIME_LIMIT_S * 2) -> Run:
    """Run ``python -m msp_docs ARGS`` and measure it; a run past ``timeout`` is killed (and fails its test)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "msp_docs", *map(str, args)], stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        peak = usage.ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1 << 10)
        return Run(tuple(map(str, args)), proc.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), seconds, peak)


def assert_bounded(run: Run) -> None:
    assert run.peak_mb < MEMORY_LIMIT_MB, run.describe()
    assert run.seconds < TIME_LIMIT_S, run.describe()


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.describe()


def leftovers(folder: Path) -> list[str]:
    """Temporary or hidden files under ``folder`` (what an interrupted atomic write would leave)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and (p.name.startswith((".", "~")) or p.suffix == ".tmp"))


# ============================================================================ a server that counts connections

class _Counting(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.connections.append(self.client_address)
        try:
            self.request.recv(4096)
            self.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nNETWORK-WAS-USED")
        except OSError:
            pass


class CountingServer(socketserver.ThreadingTCPServer):
    """A local server that records every connection made to it, whatever the client."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Counting)
        self.connections: list = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


# ============================================================================ the hostile document cases

REFUSED = (2,)
READ = (0, 3)  # read and judged: 3 is "coverage gaps found", a result


@dataclass(frozen=True)
class Case:
    """A document to give check and add-clauses, and what each must do with it."""

    id: str
    make: Callable[..., Path]  # make(folder, env) -> path; env has the server url and secret file
    check: tuple[int, ...] | None  # acceptable exit codes for check (None: tested separately)
    check_says: tuple[str, ...]
    add: tuple[int, ...] | None  # acceptable exit codes for add-clauses (None: not run)
    add_says: tuple[str, ...]


H = hostile
BOMB = "possible zip bomb"
LIES = "more data than the zip declares"
DTD = "declares a DTD or entities"
OUTSIDE = "points outside the document"

CASES = [
    Case("valid-contract", lambda d, e: H.valid_docx(d), READ, (), READ, ()),
    Case("svg-logo-with-doctype", lambda d, e: H.svg_logo_with_doctype(d), READ, (), READ, ()),
    Case("zip-bomb", lambda d, e: H.honest_zip_bomb(d), REFUSED, (BOMB,), REFUSED, (BOMB,)),
    Case("dense-zip-bomb", lambda d, e: H.dense_zip_bomb(d), REFUSED, (BOMB,), REFUSED, (BOMB,)),
    Case("split-zip-bomb", lambda d, e: H.split_zip_bomb(d), REFUSED, (BOMB,), REFUSED, (BOMB,)),
    Case("overlapping-zip-bomb", lambda d, e: H.overlapping_zip_bomb(d), REFUSED, (BOMB,), REFUSED, (BOMB,)),
    Case("lying-zip", lambda d, e: H.lying_zip(d), REFUSED, (LIES,), REFUSED, (LIES,)),
    Case("lying-zip-bad-crc", lambda d, e: H.lying_zip(d, true_crc_of_prefix=False), REFUSED, (LIES,), REFUSED, (LIES,)),
    Case("lying-content-types", lambda d, e: H.lying_zip(d, member="[Content_Types].xml"), REFUSED, (LIES,), REFUSED, (LIES,)),
    Case("many-members", lambda d, e: H.many_members(d), REFUSED, ("never needs more than 5,000",), REFUSED, ("never needs more than 5,000",)),
    Case("member-dotdot", lambda d, e: H.hostile_member_name(d, "../evil.xml", "dotdot.docx"), REFUSED, ("'../evil.xml'", OUTSIDE), REFUSED, ("'../evil.xml'", OUTSIDE)),
    Case("member-absolute", lambda d, e: H.hostile_member_name(d, "/abs.xml", "absolute.docx"), REFUSED, ("'/abs.xml'", OUTSIDE), REFUSED, ("'/abs.xml'", OUTSIDE)),
    Case("member-backslash", lambda d, e: H.hostile_member_name(d, "word\\..\\..\\evil.xml", "backslash.docx"), REFUSED, (OUTSIDE,), REFUSED, (OUTSIDE,)),
    Case("member-drive", lambda d, e: H.hostile_member_name(d, "C:/abs.xml", "drive.docx"), REFUSED, ("'C:/abs.xml'", OUTSIDE), REFUSED, ("'C:/abs.xml'", OUTSIDE)),
    Case("truncated-zip", lambda d, e: H.truncated_zip(d), REFUSED, ("damaged", "Open and Repair"), REFUSED, ("damaged", "Open and Repair")),
    Case("garbage-after-zip-header", lambda d, e: H.zip_of_random_bytes(d), REFUSED, ("damaged",), REFUSED, ("damaged",)),
    Case("billion-laughs", lambda d, e: H.billion_laughs(d), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("billion-laughs-after-comment", lambda d, e: H.billion_laughs(d, hidden="comment"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("billion-laughs-utf-16", lambda d, e: H.billion_laughs(d, hidden="utf-16"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("xxe-etc-passwd", lambda d, e: H.external_entity(d, "file:///etc/passwd", "xxe-etc-passwd.docx"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("xxe-secret-file", lambda d, e: H.external_entity(d, e["secret_url"], "xxe-secret.docx"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("xxe-secret-file-after-comment", lambda d, e: H.external_entity(d, e["secret_url"], "xxe-secret-comment.docx", hidden="comment"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("xxe-secret-file-utf-16", lambda d, e: H.external_entity(d, e["secret_url"], "xxe-secret-utf16.docx", hidden="utf-16"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("xxe-http", lambda d, e: H.external_entity(d, e["url"] + "/entity", "xxe-http.docx"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("xxe-http-utf-16", lambda d, e: H.external_entity(d, e["url"] + "/entity16", "xxe-http-utf16.docx", hidden="utf-16"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("external-dtd-http", lambda d, e: H.external_dtd(d, e["url"]), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("entity-in-package-rels", lambda d, e: H.entity_in_rels(d, e["url"] + "/rels"), REFUSED, (DTD,), REFUSED, (DTD,)),
    Case("five-thousand-pages", lambda d, e: H.huge_document(d), None, (), READ, ()),
    # Legitimate but beyond the limits: check stops at 200,000 paragraphs (add-clauses edits a
    # document that size like the 5,000-page one); add-clauses stops at 48 MB of XML (check
    # would stop reading it at 200,000 paragraphs, as above).
    Case("too-many-paragraphs", lambda d, e: H.too_many_paragraphs(d), REFUSED, ("more than 200,000 paragraphs", "Split it"), None, ()),
    Case("too-large-to-edit", lambda d, e: _renamed(H.huge_document(d, pages=12_700), "too-large-to-edit.docx"), None, (), REFUSED, ("MB of text and markup", "Split it")),
    Case("tables-nested-300-deep", lambda d, e: H.nested_tables(d, 300), REFUSED, ("nested too deeply",), REFUSED, ("nested-tables-300.docx",)),
    Case("tables-nested-80-deep", lambda d, e: H.nested_tables(d, 80), READ, (), READ, ()),
    Case("password-protected", lambda d, e: H.encrypted_office(d), REFUSED, ("password-protected", "remove the password"), REFUSED, ("password-protected",)),
    Case("rights-protected", lambda d, e: H.rights_protected_office(d), REFUSED, ("rights management", "unprotected copy"), REFUSED, ("rights management",)),
    Case("docm-with-macros", lambda d, e: H.docm(d, sentinel=e["macro_sentinel"]), READ, (), REFUSED, ("macro-enabled", "never opens macros", "Save a copy as .docx")),
    Case("random-bytes", lambda d, e: H.random_bytes(d), REFUSED, ("not a document msp-docs can read",), REFUSED, ("not a document msp-docs can read",)),
    Case("scanned-pdf-no-text-layer", lambda d, e: H.scanned_pdf(d), REFUSED, ("no text layer", "OCR"), REFUSED, ("not a Word document",)),
    Case("old-doc", lambda d, e: H.old_doc(d), REFUSED, ("Word 97-2003", "save it as .docx"), REFUSED, ("Word 97-2003", "save it as .docx")),
    Case("odt", lambda d, e: H.odt(d), REFUSED, ("OpenDocument", "save it as .docx"), REFUSED, ("OpenDocument",)),
]
BY_ID = {c.id: c for c in CASES}
SLOW_CASES = {"five-thousand-pages", "too-many-paragraphs", "too-large-to-edit"}  # several seconds each


def _params(ids):
    return [pytest.param(i, marks=pytest.mark.slow) if i in SLOW_CASES else i for i in ids]
NETWORK_CASES = ("xxe-http", "xxe-http-utf-16", "external-dtd-http", "entity-in-package-rels")
SECRET_CASES = ("xxe-secret-file", "xxe-secret-file-after-comment", "xxe-secret-file-utf-16")
SECRET = "SECRET-TOKEN-7f3a9c"


def _renamed(path: Path, name: str) -> Path:
    return path.rename(path.with_name(name))


class HostileBatch:
    """Generates every case once and runs check and add-clauses on each, two processes at a time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.server = CountingServer()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        secret = folder / "secret.txt"
        secret.write_text(SECRET, encoding="utf-8")
        self.env = {"url": self.server.url, "secret_url": secret.as_uri(), "macro_sentinel": folder / "macro-ran"}
        self.files: dict[str, Path] = {}
        self.hashes: dict[str, str] = {}
        self.generation: dict[str, float] = {}
        for case in CASES:
            target = folder / "in" / case.id
            target.mkdir(parents=True)
            start = time.monotonic()
            self.files[case.id] = case.make(target, self.env)
            self.generation[case.id] = time.monotonic() - start
            self.hashes[case.id] = hashlib.sha256(self.files[case.id].read_bytes()).hexdigest()
        self.pool = ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1)))
        self.futures: dict[tuple[str, str], Future] = {}
        for case in CASES:
            if case.check is not None:
                self.futures[("check", case.id)] = self.pool.submit(self._check, case)
            if case.add is not None:
                self.futures[("add", case.id)] = self.pool.submit(self._add, case)

    def output_of(self, case: Case) -> Path:
        return self.folder / "out" / case.id / "with-schedule.docx"

    def _check(self, case: Case) -> Run:
        return run_measured(["check", "-j", "1", self.files[case.id]], cwd=self.folder)

    def _add(self, case: Case) -> Run:
        output = self.output_of(case)
        output.parent.mkdir(parents=True, exist_ok=True)
        return run_measured(
            ["add-clauses", self.files[case.id], "--service", "repairs", "--profile", EXAMPLE, "-o", output, "--date", DATE],
            cwd=self.folder,
        )

    def result(self, command: str, case_id: str) -> Run:
        return self.futures[(command, case_id)].result()

    def all_results(self) -> list[Run]:
        return [f.result() for f in self.futures.values()]

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    batch = HostileBatch(tmp_path_factory.mktemp("hostile"))
    yield batch
    batch.close()


def _assert_clear_message(run: Run, path: Path, says: tuple[str, ...] = ()) -> None:
    """The message says what is wrong (``says``), names the file and says what to do."""
    for fragment in says:
        assert fragment in run.stderr, run.describe()
    assert path.name in run.stderr, run.describe()
    assert ADVICE.search(run.stderr), f"no advice on what to do:\n{run.describe()}"


@pytest.mark.parametrize("case_id", _params(c.id for c in CASES if c.check is not None))
def test_check_hostile_document(batch, case_id):
    case = BY_ID[case_id]
    run = batch.result("check", case_id)
    assert run.code in case.check, run.describe()
    assert_no_traceback(run)
    assert_bounded(run)
    if run.code == 2:
        assert run.stderr.startswith("error: "), run.describe()
        _assert_clear_message(run, batch.files[case_id], case.check_says)
    else:
        # Read and judged: a coverage report for this very file.
        assert batch.files[case_id].name in run.stdout, run.describe()
        assert "required covered" in run.stdout, run.describe()


@pytest.mark.parametrize("case_id", _params(c.id for c in CASES if c.add is not None))
def test_add_clauses_hostile_document(batch, case_id):
    case = BY_ID[case_id]
    run = batch.result("add", case_id)
    output = batch.output_of(case)
    assert run.code in case.add, run.describe()
    assert_no_traceback(run)
    assert_bounded(run)
    for fragment in case.add_says:
        assert fragment in run.stderr, run.describe()
    # The input is never changed, and nothing temporary is left next to the output.
    assert hashlib.sha256(batch.files[case_id].read_bytes()).hexdigest() == batch.hashes[case_id]
    assert leftovers(output.parent) == []
    if run.code == 2:
        assert not output.exists(), run.describe()
    else:
        document = docx.Document(str(output))
        assert any("Safeguarding" in p.text for p in document.paragraphs), "the schedule is in the output"


@pytest.mark.parametrize("case_id", [c.id for c in CASES if c.add == REFUSED and c.id != "too-large-to-edit"])
def test_add_clauses_refusal_names_the_file_and_what_to_do(batch, case_id):
    run = batch.result("add", case_id)
    assert run.code == 2, run.describe()
    _assert_clear_message(run, batch.files[case_id])


def test_add_clauses_too_large_to_edit_names_the_file(batch):
    run = batch.result("add", "too-large-to-edit")
    assert run.code == 2
    _assert_clear_message(run, batch.files["too-large-to-edit"])


def test_external_entities_never_touch_the_network_or_files(batch):
    runs = [batch.result(command, case_id) for case_id in NETWORK_CASES + SECRET_CASES for command in ("check", "add")]
    assert all(run.code == 2 for run in runs), "\n\n".join(r.describe() for r in runs if r.code != 2)
    batch.all_results()  # every other case has finished too
    assert batch.server.connections == [], "a document made msp-docs connect to the network"
    for run in batch.all_results():
        assert SECRET not in run.stdout + run.stderr
        assert "root:x:0:0" not in run.stdout + run.stderr
        assert "NETWORK-WAS-USED" not in run.stdout + run.stderr


def test_macros_are_never_run(batch):
    batch.result("check", "docm-with-macros")
    batch.result("add", "docm-with-macros")
    assert not Path(batch.env["macro_sentinel"]).exists()


def test_docm_text_is_read_by_check(batch):
    run = batch.result("check", "docm-with-macros")
    assert run.code in READ and "macro-contract.docm" in run.stdout, run.describe()


# ============================================================================ the 5,000-page document

@pytest.fixture(scope="module")
def five_thousand_pages(batch) -> Path:
    return batch.files["five-thousand-pages"]


def test_5000_page_document_has_5000_pages(five_thousand_pages):
    with zipfile.ZipFile(five_thousand_pages) as zf, zf.open("word/document.xml") as stream:
        breaks = paragraphs = 0
        for _event, element in etree.iterparse(stream, tag=(f"{W}br", f"{W}p")):
            if element.tag == f"{W}br" and element.get(f"{W}type") == "page":
                breaks += 1
            elif element.tag == f"{W}p":
                paragraphs += 1
            element.clear()
    assert breaks == 5000 and paragraphs > 100_000


def test_5000_page_document_is_read_in_bounded_time_and_memory(batch, five_thousand_pages, tmp_path):
    batch.all_results()  # measured alone, not beside the batch's processes
    code = (
        "import sys, time\n"
        "from msp_docs.extract import extract\n"
        "start = time.monotonic()\n"
        f"document = extract({str(five_thousand_pages)!r})\n"
        "print(len(document.passages), round(time.monotonic() - start, 1))\n"
    )
    with tempfile.TemporaryFile() as out:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        text = out.read().decode()
    assert proc.returncode == 0, text
    passages = int(text.split()[0])
    assert passages == 5000 * 19 + 100, text  # every paragraph with text (19 a page) and the 100 headings
    assert usage.ru_maxrss / 1024 < MEMORY_LIMIT_MB and seconds < TIME_LIMIT_S, (usage.ru_maxrss / 1024, seconds)


@pytest.mark.slow
def test_checking_grows_linearly_and_would_check_5000_pages_within_four_minutes(batch, five_thousand_pages):
    # Checking the whole document takes one to two minutes on a 2-core machine, too long for this
    # file (benchmarks/hostile_inputs.py --full-check measures it: 110 s and 290 MB when this was
    # written). Here a fortieth and a twentieth of it are checked: the time must grow in
    # proportion (a part of the checker that grew faster would be caught before it makes a long
    # document take hours), and a twentieth must fit a twentieth of four minutes.
    from msp_docs.check import check_extracted
    from msp_docs.extract import extract

    batch.all_results()  # measured alone, not beside the batch's processes
    document = extract(five_thousand_pages)
    check_extracted(dataclasses.replace(document, passages=document.passages[:50]))  # load the catalogue first
    seconds = {}
    for share in (40, 20):
        part = dataclasses.replace(document, passages=document.passages[: len(document.passages) // share])
        start = time.monotonic()
        report = check_extracted(part)
        seconds[share] = time.monotonic() - start
        assert report.summary["covered"] > 0
    assert seconds[20] < 2.6 * seconds[40], seconds
    assert seconds[20] < 240 / 20, seconds


# ============================================================================ the generators make what they claim

def _inflated_size(path: Path, member: str) -> int:
    """How many bytes a member's compressed stream really inflates to (streamed, whatever the zip declares)."""
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    with open(path, "rb") as handle:
        handle.seek(info.header_offset)
        header = handle.read(30)
        handle.seek(info.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little"))
        inflate = zlib.decompressobj(-15)
        remaining, total = info.compress_size, 0
        while remaining or inflate.unconsumed_tail:
            if inflate.unconsumed_tail:
                total += len(inflate.decompress(inflate.unconsumed_tail, 1 << 22))
            else:
                raw = handle.read(min(remaining, 1 << 20))
                remaining -= len(raw)
                total += len(inflate.decompress(raw, 1 << 22))
    return total


def test_hostile_files_are_what_they_claim(batch):
    files = batch.files
    bomb = zipfile.ZipFile(files["zip-bomb"]).getinfo("word/document.xml")
    assert bomb.file_size > 300_000_000 and files["zip-bomb"].stat().st_size < 600_000
    assert _inflated_size(files["zip-bomb"], "word/document.xml") == bomb.file_size
    lying = zipfile.ZipFile(files["lying-zip"]).getinfo("word/document.xml")
    assert lying.file_size == 4096 and _inflated_size(files["lying-zip"], "word/document.xml") > 300_000_000
    split = zipfile.ZipFile(files["split-zip-bomb"]).infolist()
    assert all(i.file_size < 10_000_000 for i in split) and sum(i.file_size for i in split) > 300_000_000
    overlapping = zipfile.ZipFile(files["overlapping-zip-bomb"]).infolist()
    assert len({i.header_offset for i in overlapping if i.filename.startswith("word/media/")}) == 1
    assert sum(i.file_size for i in overlapping) > 10_000_000_000 and files["overlapping-zip-bomb"].stat().st_size < 1_000_000
    assert {"../evil.xml", "/abs.xml", "C:/abs.xml"} <= {n for c in ("member-dotdot", "member-absolute", "member-drive") for n in zipfile.ZipFile(files[c]).namelist()}
    for case_id in ("password-protected", "rights-protected", "old-doc"):
        assert files[case_id].read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert "EncryptedPackage".encode("utf-16-le") in files["password-protected"].read_bytes()
    assert "DRMEncryptedDataSpace".encode("utf-16-le") in files["rights-protected"].read_bytes()
    assert "WordDocument".encode("utf-16-le") in files["old-doc"].read_bytes()
    assert b"macroEnabled.main" in zipfile.ZipFile(files["docm-with-macros"]).read("[Content_Types].xml")
    assert "word/vbaProject.bin" in zipfile.ZipFile(files["docm-with-macros"]).namelist()
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(files["scanned-pdf-no-text-layer"]))
    try:
        assert len(pdf) == 3
        page = pdf[0]
        assert [obj.type for obj in page.get_objects()] == [pdfium.raw.FPDF_PAGEOBJ_IMAGE]
        assert page.get_textpage().get_text_range().strip() == ""
    finally:
        pdf.close()
    # The 80-deep tables parse (under libxml2's 256 limit); the 300-deep ones are past it.
    depth = max(len(list(e.iterancestors())) for e in etree.fromstring(zipfile.ZipFile(files["tables-nested-80-deep"]).read("word/document.xml")).iter())
    assert 240 <= depth < 256
    with pytest.raises(etree.XMLSyntaxError, match="depth"):
        etree.fromstring(zipfile.ZipFile(files["tables-nested-300-deep"]).read("word/document.xml"))
    assert all(seconds < 5 for seconds in batch.generation.values()), batch.generation


# ============================================================================ user templates in the sandbox

SANDBOX_ESCAPES = {
    "mro-subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "cycler-globals-os": "{{ cycler.__init__.__globals__.os.popen('touch {sentinel}').read() }}",
    "lipsum-globals-os": "{{ lipsum.__globals__['os'].system('touch {sentinel}') }}",
    "template-reference-context": "{{ self._TemplateReference__context }}",
    "attr-filter-class": "{{ ''|attr('__class__') }}",
    "range-globals": "{{ range.__globals__ }}",
    "list-class-base": "{{ [].__class__.__base__ }}",
    "format-string-attribute": "{{ '{0.__class__}'.format(1) }}",
    "percent-format-class": "{{ '%s' % org.__class__ }}",
    "cite-globals": "{{ cite.__globals__['__builtins__']['open']('{sentinel}', 'w') }}",
    "catalogue-object-class": "{{ references[0].__class__.__init__.__globals__ }}",
    "profile-private-data": "{{ org|attr('_data') }}",
    "mutate-profile-list": "{{ people.deputies.append(1) }}",
    "mutate-profile-map": "{{ org.update({'name': 'x'}) }}",
    "mutate-profile-setitem": "{% set _ = profile.__setitem__('x', 1) %}",
}
# Escapes the sandbox stops, but whose error render.py does not turn into a template error.
SANDBOX_CRASHES = {
    "include-etc-passwd": "{% include '/etc/passwd' %}",
    "import-os": "{% import 'os' as os %}{{ os.system('touch {sentinel}') }}",
    "format-map-index": "{{ '{0.__class__.__init__.__globals__}'.format_map({'0': 1}) }}",
    "huge-range": "{{ range(10**9)|list|length }}",
    "set-attribute-on-profile": "{% set org.name = 'x' %}",
}
_CRASH_REASON = (
    "render.render_document catches only UndefinedError, TemplateSyntaxError and SecurityError from docxtpl; Jinja's "
    "TypeError ('no loader for this environment specified', from include/import), OverflowError (the sandbox's 'Range "
    "too big'), TemplateRuntimeError ('cannot assign attribute on non-namespace object') and errors raised inside "
    "str.format_map escape as an internal error (exit 1, 'This is a defect'). Nothing "
    "is executed or written, but a bad user template should be exit 2 with a template message"
)


def template_folder(folder: Path, payload: str, sentinel: Path) -> Path:
    """A copy of the shipped policy template with ``payload`` as the first paragraph of its body."""
    folder.mkdir(parents=True)
    source = zipfile.ZipFile(ROOT / "templates" / "policy.docx")
    with zipfile.ZipFile(folder / "policy.docx", "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                xml = data.decode("utf-8")
                at = xml.index("<w:body>") + len("<w:body>")
                text = escape(payload.replace("{sentinel}", str(sentinel)))
                xml = xml[:at] + f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>' + xml[at:]
                data = xml.encode("utf-8")
            target.writestr(info, data)
    return folder


def build_with_template(tmp_path: Path, payload: str, profile: Path = EXAMPLE):
    sentinel = tmp_path / "escaped"
    templates = template_folder(tmp_path / "templates", payload, sentinel)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(profile), "-o", str(out), "--only", "policy", "--templates", str(templates), "-j", "1", "--date", DATE])
    written = sorted(p.name for p in out.rglob("*") if p.is_file()) if out.exists() else []
    return result, sentinel, written


@pytest.fixture(scope="module")
def template_build(tmp_path_factory):
    """Build each payload once (the tests below look at the same build from two sides)."""
    done: dict[str, tuple] = {}

    def get(payload: str):
        if payload not in done:
            done[payload] = build_with_template(tmp_path_factory.mktemp("template"), payload)
        return done[payload]

    return get


@pytest.mark.parametrize("payload", [pytest.param(v, id=k) for k, v in {**SANDBOX_ESCAPES, **SANDBOX_CRASHES}.items()])
def test_template_escapes_run_nothing_and_write_nothing(template_build, payload):
    result, sentinel, written = template_build(payload)
    assert not sentinel.exists(), "the template ran code or wrote a file"
    assert written == [], "no document is written from a refused template"
    assert result.exit_code != 0
    assert "Traceback" not in result.output + result.stderr
    assert "root:x:0:0" not in result.output + result.stderr


@pytest.mark.parametrize("payload", [pytest.param(v, id=k) for k, v in SANDBOX_ESCAPES.items()])
def test_template_escapes_exit_2_naming_the_template(template_build, payload):
    result, _sentinel, _written = template_build(payload)
    assert result.exit_code == 2, result.output + result.stderr
    assert "template policy.docx" in result.stderr, result.stderr


def test_template_errors_outside_the_sandbox_checks_exit_2_naming_the_template(template_build):
    for payload in SANDBOX_CRASHES.values():
        result, _sentinel, _written = template_build(payload)
        assert result.exit_code == 2, f"{payload}: {result.output}{result.stderr}"
        assert "template policy.docx" in result.stderr, result.stderr


def test_template_escape_messages_say_the_sandbox_refused_them(template_build):
    for payload in (v for v in SANDBOX_ESCAPES.values() if "__" in v or "_data" in v):
        result, _sentinel, _written = template_build(payload)
        assert result.exit_code == 2
        assert "sandbox" in result.stderr and "spelling" not in result.stderr, f"{payload}: {result.stderr}"


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b"")


def test_template_cannot_reach_the_document_object_through_the_logo(tmp_path):
    profile_folder = tmp_path / "profile"
    profile_folder.mkdir()
    (profile_folder / "logo.png").write_bytes(_png())
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "  email: hello@kingsmead-stannes.example.org\n", "  email: hello@kingsmead-stannes.example.org\n  logo:\n    path: logo.png\n    alt_text: Kingsmead logo\n", 1
    )
    profile = profile_folder / "with-logo.yaml"
    profile.write_text(text, encoding="utf-8")
    result, sentinel, written = build_with_template(tmp_path, "{{ logo.tpl.save('{sentinel}') }}", profile)
    assert not sentinel.exists(), "the template wrote a file outside the output folder"
    assert result.exit_code == 2 and written == []


def test_templates_cannot_change_the_profile(tmp_path):
    # Through the library, so the profile object itself can be compared before and after.
    from msp_docs.errors import TemplateError
    from msp_docs.plan import documents_for, plan_document
    from msp_docs.profile import load_profile, thaw
    from msp_docs.render import render_document

    profile = load_profile(EXAMPLE)
    before = copy.deepcopy(thaw(profile.data))
    spec = documents_for(profile, ["policy"])[0]
    for payload in (
        "{{ people.deputies.append(1) }}",
        "{{ org.update({'name': 'x'}) }}",
        "{% set _ = org.__setitem__('name', 'x') %}",
        "{{ people.__dict__ }}",
    ):
        templates = template_folder(tmp_path / hashlib.sha1(payload.encode()).hexdigest()[:8], payload, tmp_path / "escaped")
        with pytest.raises(TemplateError):
            render_document(plan_document(profile, spec), templates_dir=templates)
    assert thaw(profile.data) == before


# ============================================================================ hostile profiles

BASE_PROFILE = yamlfile.load(EXAMPLE).data


def _paths(value, path=()):
    """Every (path, value) in plain profile data, containers first."""
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, path + (index,))


STRING_PATHS = [p for p, v in _paths(BASE_PROFILE) if isinstance(v, str)]


def _is_free_text(path) -> bool:
    from msp_docs.profile import _schema_at

    rules = _schema_at(path)
    return bool(rules) and rules.get("type") == "string" and not rules.get("check_with") and not rules.get("allowed")


FREE_TEXT_PATHS = [p for p in STRING_PATHS if _is_free_text(p)]
NODE_PATHS = [p for p, _v in _paths(BASE_PROFILE) if p]
CONTAINER_PATHS = [p for p, v in _paths(BASE_PROFILE) if isinstance(v, dict)]


def _get(data, path):
    for part in path:
        data = data[part]
    return data


def _with(data, path, value=None, *, delete: bool = False):
    """A deep copy of ``data`` with ``path`` set to ``value`` (or deleted)."""
    data = copy.deepcopy(data)
    parent = _get(data, path[:-1])
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


def _field(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def dump_yaml(data) -> str:
    """Profile data as YAML, every string quoted or escaped as YAML needs (ruamel's safe dumper)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 1 << 30
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def document_text(path: Path) -> str:
    """Every paragraph's text in every part of a .docx (body, headers, footers, notes, properties), one per line."""
    parts = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.endswith(".xml") or not name.startswith(("word/", "docProps/core")):
                continue
            root = etree.fromstring(zf.read(name))
            if name.startswith("docProps/"):
                parts.extend(t for t in root.itertext())
                continue
            for p in root.iter(f"{W}p"):
                bits = []
                for node in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr"):
                    bits.append(node.text or "" if node.tag == f"{W}t" else ("\t" if node.tag == f"{W}tab" else "\n"))
                parts.append("".join(bits))
    return "\n".join(parts)


@dataclass
class Built:
    """What building a (mutated) profile gave: the error, or the documents and the loaded profile."""

    profile_file: Path
    out: Path
    error: MspDocsError | None
    documents: list[Path]
    profile: object | None


def build_data(data, folder: Path, only: list[str] | None = None) -> Built:
    """Write ``data`` as a profile and build it through the library (profile -> plan -> render -> write)."""
    from msp_docs.build import build_profile
    from msp_docs.profile import load_profile

    profile_file = folder / "mutated.yaml"
    profile_file.write_text(dump_yaml(data), encoding="utf-8")
    out = folder / "out"
    profile = None
    try:
        profile = load_profile(profile_file)
        build_profile(profile_file, out, only=only, date=dt.date(2026, 4, 1))
        error = None
    except MspDocsError as err:  # anything else fails the test with its traceback
        error = err
    documents = sorted(p for p in out.rglob("*") if p.is_file()) if out.exists() else []
    return Built(profile_file, out, error, documents, profile)


def assert_documents_whole(built: Built) -> None:
    """Every file written is a complete .docx; nothing temporary is left behind."""
    if built.out.exists():
        assert leftovers(built.out) == []
    for path in built.documents:
        assert path.suffix == ".docx", path
        docx.Document(str(path))


def assert_clear_refusal(built: Built, field: str | None) -> None:
    """exit-2 material: an input error naming the file and (where one field is to blame) that field."""
    error = built.error
    assert isinstance(error, InvalidInputError), repr(error)
    assert isinstance(error, ProfileError), f"a bad profile must be reported as a profile problem, not: {error!r}"
    assert str(built.profile_file) in str(error), str(error)
    assert error.problems, str(error)
    for problem in error.problems:
        assert problem.file == str(built.profile_file) and (problem.line is not None or problem.field), str(problem)
    if field is not None:
        # The field itself, one inside it, or the block it is in.
        related = [p.field for p in error.problems if p.field and (_within(p.field, field) or _within(field, p.field))]
        assert related, (field, str(error))


def _within(inner: str, outer: str) -> bool:
    return inner == outer or inner.startswith((outer + ".", outer + "["))


@pytest.fixture(scope="module")
def printed_fields(tmp_path_factory) -> dict[tuple, dict[str, int]]:
    """Free-text fields of the example profile whose value is printed verbatim: document -> how many times.

    Found by giving every free-text field a unique marker and building once.
    """
    data = copy.deepcopy(BASE_PROFILE)
    markers = {}
    for index, path in enumerate(FREE_TEXT_PATHS):
        markers[path] = f"zqmark{index:03d}q"
        data = _with(data, path, markers[path])
    built = build_data(data, tmp_path_factory.mktemp("printed"))
    assert built.error is None, str(built.error)
    texts = {p.stem: document_text(p) for p in built.documents}
    return {path: {name: text.count(marker) for name, text in texts.items() if marker in text} for path, marker in markers.items() if any(marker in t for t in texts.values())}


YAML_SPECIAL = [
    "yes", "no", "on", "off", "Yes", "NO", "true", "False", "null", "Null", "~", "", " ", "NaN", ".inf", "-.inf", "0o17",
    "0x1F", "1e3", "1_000", "+12", "2026-04-01", "2026-13-45", "04827", "3.10", "- item", "? key", ": value", "#comment",
    "a #b", "&anchor", "*alias", "!tag", "!!binary AAAA", "%YAML 1.2", "@at", "`tick`", "{a: 1}", "[1, 2]", "a: b", "'",
    '"', "\\", "---", "...", "|", ">", "<<", "{{ org.name }}", "{% raw %}x", "{# comment #}", "**bold**", "*italic*",
    "| a | b |", "!! gap", "> quote", "## heading", "1. item", "\\*", "\ue000", "\ue0000\ue001", "<w:t>x</w:t>",
    "&amp;", "]]>", "\t", "\n", "a\nb", "a\r\nb", "a\rb", " leading", "trailing ", "  ", "\u2028", "\u2029", "\u200b",
    "\ufeff", "\u00a0", "\u202eevil\u202c",
]
UNICODE = [
    "Siobhán Ó Briain", "Zoë 👩🏽‍⚕️ Adeyemi", "مؤسسة الإسكان الاجتماعي", "דיור מוגן", "e\u0301\u0301\u0301\u0301", "Z̷̢a̶l̸g̵o",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕳𝖔𝖚𝖘𝖎𝖓𝖌", "한국 주택", "🏳️‍🌈" * 20, "\U0001F600" * 300, "ﷺ", "ǅ", "ß", "İ", "\U0010FFFD", "\uFDD0",
]


def _long(seed: str, length: int) -> str:
    return (seed * (length // max(len(seed), 1) + 1))[:length]


TEXT_VALUES = st.one_of(
    st.text(max_size=40),  # any Unicode (Hypothesis leaves out lone surrogates)
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Mn", "Co"]), min_size=1, max_size=8),
    st.sampled_from(YAML_SPECIAL),
    st.sampled_from(UNICODE),
    st.builds(_long, st.text(min_size=1, max_size=4), st.sampled_from([999, 1000, 1001, 10_000, 10_001, 100_000])),
)
HYPOTHESIS = settings(
    max_examples=int(os.environ.get("MSP_DOCS_HYPOTHESIS_EXAMPLES", "50")),
    deadline=None,
    derandomize=os.environ.get("MSP_DOCS_HYPOTHESIS_EXAMPLES") is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture, HealthCheck.large_base_example],
)


@pytest.mark.slow
@HYPOTHESIS
@given(path=st.sampled_from(FREE_TEXT_PATHS) | st.sampled_from(STRING_PATHS), value=TEXT_VALUES)
# The name is printed by the Word templates (title page, headers) as well as in clauses.
@example(path=("organisation", "name"), value="a\rb")
@example(path=("organisation", "name"), value="Star\ue000 **Homes** | {{ org.name }} <w:t>&amp;")
@example(path=("organisation", "name"), value=" Zoë 👩🏽‍⚕️ مؤسسة e\u0301\u0301 \u2028 ")
@example(path=("organisation", "name"), value="N" * 150)
@example(path=("organisation", "legal_name"), value="L" * 1000)
@example(path=("governance", "approved_by"), value="the Board\n(minute 14)\tsigned")
def test_any_text_value_builds_exactly_or_is_refused(printed_fields, path, value):
    # Longer names are cut to Word's 255-character limit in the document properties only (the
    # documents print them whole); test_a_long_organisation_name_builds covers them.
    assume(not (path == ("organisation", "name") and len(value) > longest_name_in_properties()))
    data = _with(BASE_PROFILE, path, value)
    assert yamlfile.loads(dump_yaml(data)).data == data, "the test's YAML writer must round-trip"
    documents = sorted(printed_fields.get(path, ())) or ["policy"]
    with tempfile.TemporaryDirectory() as folder:
        built = build_data(data, Path(folder), only=documents)
        assert_documents_whole(built)
        if built.error is not None:
            event("refused")
            assert_clear_refusal(built, _field(path))
            return
        event("built")
        assert [p.stem for p in built.documents] == sorted(documents)
        from msp_docs.profile import thaw

        if path in FREE_TEXT_PATHS:  # others are checked (emails) or typed by the schema (dates, numbers)
            assert _get(thaw(built.profile.data), path) == value, "text is kept exactly as typed"
        if path in printed_fields:
            # Wherever the field is printed (as many times as its marker was), it is printed exactly.
            event("built, and the value is printed")
            for document in built.documents:
                found = document_text(document).count(value)
                assert found >= printed_fields[path][document.stem], f"{_field(path)} = {value!r} is printed exactly {found} times in {document.name}, not {printed_fields[path][document.stem]}"


@functools.lru_cache(maxsize=1)
def longest_name_in_properties() -> int:
    """How long the name may be for "<longest document title> – <name>" to fit Word's 255-character title property."""
    from msp_docs.plan import documents_for
    from msp_docs.profile import load_profile

    return 255 - max(len(f"{spec.title} – ") for spec in documents_for(load_profile(EXAMPLE)))


def test_a_long_organisation_name_builds(tmp_path):
    built = build_data(_with(BASE_PROFILE, ("organisation", "name"), "N" * 1000), tmp_path, only=["policy"])
    assert built.error is None and [p.name for p in built.documents] == ["policy.docx"]


WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.text(max_size=3), max_size=2),
    st.recursive(st.text(max_size=2), lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner, max_size=2), max_leaves=6),
)


def _nested(depth: int, kind: str):
    value = "deep"
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


MUTATIONS = st.one_of(
    st.tuples(st.just("delete"), st.sampled_from(NODE_PATHS), st.none()),
    st.tuples(st.just("replace"), st.sampled_from(NODE_PATHS), WRONG_VALUES),
    st.tuples(st.just("add"), st.sampled_from([()] + CONTAINER_PATHS), st.tuples(st.text(min_size=1, max_size=12), WRONG_VALUES)),
    st.tuples(st.just("nest"), st.sampled_from(NODE_PATHS), st.tuples(st.integers(1, 80), st.sampled_from(["list", "map"]))),
)


@pytest.mark.slow
@HYPOTHESIS
@given(mutation=MUTATIONS)
def test_wrong_types_missing_and_extra_keys_and_deep_nesting_build_or_are_refused(mutation):
    kind, path, argument = mutation
    if kind == "delete":
        data = _with(BASE_PROFILE, path, delete=True)
    elif kind == "replace":
        data = _with(BASE_PROFILE, path, argument)
    elif kind == "add":
        key, value = argument
        if key in _get(BASE_PROFILE, path):
            return
        data = _with(BASE_PROFILE, path + (key,), value)
        path = path + (key,)
    else:
        data = _with(BASE_PROFILE, path, _nested(*argument))
    with tempfile.TemporaryDirectory() as folder:
        built = build_data(data, Path(folder), only=["policy", "contract-repairs"] if "contracts" not in path[:1] else ["policy"])
        assert_documents_whole(built)
        event(f"{kind}: {'refused' if built.error is not None else 'built'}")
        if built.error is not None:
            assert_clear_refusal(built, _field(path[:1]))


NAME_LINE = "  name: Kingsmead & St Anne's Housing\n"
# (what is typed after "name:", unquoted, as a person might) -> the name it gives, or None if refused.
TYPED_NAMES = [
    ("yes", "yes"), ("No", "No"), ("on", "on"), ("0o17", "0o17"), ("0x1F", "0x1F"), ("1e3", "1e3"), (".inf", ".inf"),
    ("-.5", "-.5"), ("+12", "+12"), ("1_000", "1_000"), ("2026-13-45", "2026-13-45"), ("04827", "04827"), ("3.10", "3.10"),
    ("'it''s'", "it's"), ('"tab\\there"', "tab\there"), ("&anchor Star Homes", "Star Homes"), ("!!str 0012", "0012"),
    ("Star Homes # a comment", "Star Homes"), ("Ünïcödé Homes 👩🏽‍⚕️", "Ünïcödé Homes 👩🏽‍⚕️"),
    ("true", None), ("null", None), ("~", None), ("", None), ("|", None), ("#comment", None), ("{a: 1}", None), ("[1, 2]", None),
    ("*alias", None), ("@at", None), ("`tick`", None), ('"unterminated', None), ("'x'y", None), ("- item", None), ("? key", None),
    ("value: other", None), ("%TAG ! x", None), ("!!binary AAAA", None), ("!!set {a}", None), ("!custom x", None),
    ('!!python/object/apply:os.system ["touch {sentinel}"]', None), ("!!python/name:os.system", None),
    ("Star\x01Homes", None), ("Star\x1bHomes", None), ("Star\x85Homes", None), ("Star\x7fHomes", None), ("\tStar", None),
]


@pytest.mark.parametrize("typed, name", TYPED_NAMES, ids=[repr(t)[1:-1][:24] for t, _ in TYPED_NAMES])
def test_yaml_special_values_typed_by_hand(tmp_path, typed, name):
    from msp_docs.profile import load_profile

    sentinel = tmp_path / "ran"
    path = tmp_path / "typed.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace(NAME_LINE, f"  name: {typed.replace('{sentinel}', str(sentinel))}\n", 1), encoding="utf-8")
    if name is None:
        with pytest.raises(ProfileError) as err:
            load_profile(path)
        assert str(path) in str(err.value)
        assert err.value.problems and all(p.file == str(path) and p.line is not None for p in err.value.problems), str(err.value)
        assert any(p.field == "organisation.name" or p.line == 6 for p in err.value.problems) or '"' in typed or "'" in typed, str(err.value)
    else:
        assert load_profile(path).name == name
        built = build_data(yamlfile.load(path).data, tmp_path, only=["policy"])
        assert built.error is None and name in document_text(built.documents[0])
    assert not sentinel.exists()


def test_a_profile_too_large_to_read_is_refused_naming_the_file(tmp_path):
    from msp_docs.profile import load_profile

    path = tmp_path / "huge.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + "# " + "x" * 2_100_000 + "\n", encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert str(path) in str(err.value) and "at most 2,000,000 bytes" in str(err.value)


# ============================================================================ parallel and interrupted builds

def _docx_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.docx"))


def _assert_every_document_whole(folder: Path) -> None:
    for path in _docx_files(folder):
        document = docx.Document(str(path))
        assert document.core_properties.title, path
    assert leftovers(folder) == []


@pytest.mark.slow
def test_parallel_builds_into_one_folder_do_not_clash(tmp_path):
    out = tmp_path / "out"
    profiles = sorted((ROOT / "profiles").glob("*.yaml"))
    # Different profiles at once, and the same profile three times at once replacing each other's files.
    commands = [["build", p, "-o", out, "-j", "1", "-q", "--date", DATE] for p in profiles if p != EXAMPLE]
    commands += [["build", EXAMPLE, "-o", out, "-j", "1", "-q", "--date", DATE, "--force"]] * 3
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        runs = list(pool.map(lambda args: run_measured(args, cwd=tmp_path), commands))
    for run in runs:
        assert run.code in (0, 3), run.describe()
        assert_no_traceback(run)
    _assert_every_document_whole(out)
    folders = sorted(p.name for p in out.iterdir())
    assert len(folders) == len(profiles)
    # Same profile, same date, same version: the racing writers all wrote identical bytes.
    from msp_docs.build import build_profile

    reference = tmp_path / "reference"
    build_profile(EXAMPLE, reference, date=dt.date(2026, 4, 1))
    for path in _docx_files(reference):
        raced = out / path.relative_to(reference)
        assert raced.read_bytes() == path.read_bytes(), raced


@pytest.mark.slow
def test_parallel_builds_without_force_never_overwrite(tmp_path):
    out = tmp_path / "out"
    args = ["build", EXAMPLE, "-o", out, "-j", "1", "--date", DATE, "--only", "policy,leaflet"]
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda _i: run_measured(args, cwd=tmp_path), range(3)))
    codes = sorted(run.code for run in runs)
    assert codes[0] == 0 and all(code in (0, 2) for code in codes), "\n\n".join(r.describe() for r in runs)
    for run in runs:
        assert_no_traceback(run)
        if run.code == 2:
            assert "already exist" in run.stderr and "--force" in run.stderr, run.describe()
    _assert_every_document_whole(out)
    assert [p.name for p in _docx_files(out)] == ["leaflet.docx", "policy.docx"]


def _profiles_folder(tmp_path: Path, copies: int) -> tuple[Path, int]:
    """The example profiles plus copies under other folder names; returns the folder and how many documents it builds."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    for source in sorted((ROOT / "profiles").glob("*.yaml")):
        shutil.copy(source, folder / source.name)
    text = EXAMPLE.read_text(encoding="utf-8")
    for index in range(copies):
        copy_text = text.replace("  kind: housing-association\n", f"  kind: housing-association\n  slug: copy-{index}\n", 1)
        (folder / f"copy-{index}.yaml").write_text(copy_text, encoding="utf-8")
    from msp_docs.plan import documents_for
    from msp_docs.profile import load_profile

    total = sum(len(documents_for(load_profile(p))) for p in folder.glob("*.yaml"))
    return folder, total


def _interrupt(tmp_path: Path, sig: int, jobs: int, *, whole_group: bool, copies: int = 3):
    folder, total = _profiles_folder(tmp_path, copies)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "msp_docs", "build", folder, "-o", out, "-j", str(jobs), "--date", DATE],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path, start_new_session=True,
    )
    deadline = time.monotonic() + TIME_LIMIT_S
    while not _docx_files(out) if out.exists() else True:
        assert proc.poll() is None and time.monotonic() < deadline, "the build ended before it could be interrupted"
        time.sleep(0.005)
    if whole_group:
        os.killpg(proc.pid, sig)  # as Ctrl+C does: the build and its workers
    else:
        proc.send_signal(sig)  # as kill or a service manager does: the main process only
    try:
        stdout, stderr = proc.communicate(timeout=TIME_LIMIT_S)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, stderr.decode("utf-8", "replace"), out, total


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig, jobs, whole_group",
    [
        (signal.SIGINT, 1, True),
        (signal.SIGTERM, 1, False),
        (signal.SIGINT, 2, True),
        (signal.SIGTERM, 2, True),
    ],
    ids=["sigint-one-process", "sigterm-one-process", "sigint-workers", "sigterm-workers"],
)
def test_interrupted_build_leaves_only_whole_documents(tmp_path, sig, jobs, whole_group):
    code, stderr, out, total = _interrupt(tmp_path, sig, jobs, whole_group=whole_group)
    assert code == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr, stderr
    _assert_every_document_whole(out)
    assert len(_docx_files(out)) < total, "the build was interrupted part-way"


@pytest.mark.slow
def test_sigterm_to_the_main_process_stops_a_parallel_build(tmp_path):
    code, stderr, out, total = _interrupt(tmp_path, signal.SIGTERM, 2, whole_group=False, copies=5)
    assert code == 130, stderr
    _assert_every_document_whole(out)
    assert len(_docx_files(out)) < total, "the queued profiles were built after the signal"
