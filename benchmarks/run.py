"""Measure msp-docs against its performance targets and against the bare libraries it uses.

    python benchmarks/run.py               # everything (a few minutes on two cores)
    python benchmarks/run.py --quick       # smaller batch, fewer repeats
    python benchmarks/run.py --json out.json

Prints a table and writes JSON (default: benchmarks/results/latest.json). This is a script,
not a test: timings depend on the machine, so the README records the machine with the table.

What is measured, and the floor each of ours is compared with:

* cold `msp-docs --help` (a new process each time; median of runs);
* building: every document for one example profile in one `msp-docs build` process, and per
  document in a warm process. The floor is docxtpl rendering and saving the same output: the
  same template with the generated clauses already in its body, the same context;
* a batch of generated profiles with --jobs 1 and --jobs 2, with the peak memory of the whole
  process tree (sampled from /proc);
* `check` of a ~300-page .docx and of the same document as PDF. Floors: python-docx opening the
  file and reading every paragraph's text, and pypdfium2 extracting every page's text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROFILE = ROOT / "profiles" / "kingsmead-st-annes.yaml"
DATE = dt.date(2026, 4, 1)
EXE = [sys.executable, "-m", "msp_docs"]


def _cli() -> list[str]:
    found = shutil.which("msp-docs", path=str(Path(sys.executable).parent))
    return [found] if found else EXE


def timed(fn, repeat: int) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class TreeMemory:
    """Peak memory (proportional set size) of a process and all its children, sampled from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(parent, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, []))
        return out

    @staticmethod
    def _memory(pid: int) -> int:
        # Proportional set size: pages shared by forked workers are counted once across the tree,
        # not once per process as resident size would.
        for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            try:
                with open(path) as handle:
                    for line in handle:
                        if line.startswith(key):
                            return int(line.split()[1]) * 1024
            except OSError:
                continue
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            total = sum(self._memory(pid) for pid in self._tree())
            self.peak = max(self.peak, total)
            time.sleep(0.05)


def run_tree(command: list[str]) -> tuple[float, int, int]:
    """Wall time, peak memory of the process tree and exit code of a command."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with TreeMemory(process.pid) as memory:
        _out, err = process.communicate()
    if process.returncode not in (0, 3):
        raise RuntimeError(f"{' '.join(command)} failed: {err.decode()[-500:]}")
    return time.perf_counter() - start, memory.peak, process.returncode


# --------------------------------------------------------------------------- the measurements

def bench_help(repeat: int) -> dict:
    seconds = timed(lambda: subprocess.run(_cli() + ["--help"], stdout=subprocess.DEVNULL, check=True), repeat)
    return {"seconds": seconds, "target_seconds": 0.25, "met": seconds <= 0.25}


def _floor_template(template: bytes, output: bytes) -> bytes:
    """The template with the generated body already in place: docxtpl then produces our output."""
    tz, oz = zipfile.ZipFile(io.BytesIO(template)), zipfile.ZipFile(io.BytesIO(output))
    txml, oxml = tz.read("word/document.xml").decode(), oz.read("word/document.xml").decode()
    start = oxml.index('<w:pStyle w:val="Heading1"/>')
    start = oxml.rindex("<w:p>", 0, start)
    body = oxml[start : oxml.rindex("<w:sectPr")]
    anchor = txml.index("{{ body_anchor }}")
    txml = txml[: txml.rindex("<w:p>", 0, anchor)] + body + txml[txml.index("</w:p>", anchor) + 6 :]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in tz.namelist():
            data = txml if name == "word/document.xml" else (oz.read(name) if name == "word/numbering.xml" else tz.read(name))
            target.writestr(name, data)
    return out.getvalue()


# A process that does only what docxtpl does for a build: import it, render each floor template
# (the generated clauses already in its body) with the same context, and save it.
_FLOOR_BUILD = r"""
import pickle, sys
from docxtpl import DocxTemplate, InlineImage
from docx.shared import Mm
from jinja2.sandbox import ImmutableSandboxedEnvironment

def ukdate(value):
    return f"{value.day} {value.strftime('%B %Y')}"

def join_and(values, conjunction="and"):
    items = [str(v) for v in values]
    return "".join(items) if len(items) <= 1 else f"{', '.join(items[:-1])} {conjunction} {items[-1]}"

env = ImmutableSandboxedEnvironment(autoescape=True)
env.filters.update(ukdate=ukdate, join_and=join_and)
with open(sys.argv[1], "rb") as handle:
    jobs = pickle.load(handle)
for template, context, logo, out in jobs:
    tpl = DocxTemplate(template)
    if logo:
        context["logo"] = InlineImage(tpl, logo, width=Mm(40))
    tpl.render(context, jinja_env=env, autoescape=True)
    tpl.save(out)
"""


def _cold_floor_build(profile_path: Path, repeat: int) -> tuple[float, int]:
    """Median wall time of a fresh process in which docxtpl renders and saves the same documents."""
    import pickle

    from msp_docs.plan import documents_for, plan_document
    from msp_docs.profile import load_profile, thaw
    from msp_docs.render import BODY_ANCHOR, render_document, template_bytes

    profile = load_profile(profile_path)
    with tempfile.TemporaryDirectory() as work:
        jobs = []
        for number, spec in enumerate(documents_for(profile)):
            plan = plan_document(profile, spec, DATE)
            rendered = render_document(plan, date=DATE, profile_dir=profile.base_dir)
            _path, template = template_bytes(spec.template)
            floor = Path(work) / f"floor-{number}.docx"
            floor.write_bytes(_floor_template(template, rendered.data))
            # Plain data only (the clauses' helper functions are not used by the Word templates).
            context = {k: v for k, v in thaw(plan.context).items() if not callable(v)}
            context["body_anchor"] = BODY_ANCHOR
            logo = context["org"]["logo"]
            logo_path = None
            if logo:
                logo_path = str(Path(logo["path"]) if Path(logo["path"]).is_absolute() else profile.base_dir / logo["path"])
            context["logo"] = ""
            jobs.append((str(floor), context, logo_path, str(Path(work) / f"out-{number}.docx")))
        script, data = Path(work) / "floor.py", Path(work) / "jobs.pickle"
        script.write_text(_FLOOR_BUILD, encoding="utf-8")
        data.write_bytes(pickle.dumps(jobs))
        command = [sys.executable, str(script), str(data)]
        seconds = statistics.median(run_tree(command)[0] for _ in range(repeat))
    return seconds, len(jobs)


def bench_build(repeat: int) -> dict:
    from docxtpl import DocxTemplate

    from msp_docs.plan import documents_for, plan_document
    from msp_docs.profile import load_profile
    from msp_docs.render import _docx_environment, _template_context, render_document, template_bytes

    def cold_build() -> float:
        with tempfile.TemporaryDirectory() as out:
            return run_tree(_cli() + ["build", str(PROFILE), "-o", out, "--date", DATE.isoformat(), "-q"])[0]

    cold_build()  # fill the user's cache, as any earlier run of this version has
    cold = statistics.median(cold_build() for _ in range(repeat))
    cold_floor, count = _cold_floor_build(PROFILE, repeat)
    profile = load_profile(PROFILE)
    rows = []
    for spec in documents_for(profile):
        plan = plan_document(profile, spec, DATE)
        rendered = render_document(plan, date=DATE)
        ours = timed(lambda: render_document(plan_document(profile, spec, DATE), date=DATE), repeat)
        _path, template = template_bytes(spec.template)
        floor_template = _floor_template(template, rendered.data)

        def floor() -> None:
            tpl = DocxTemplate(io.BytesIO(floor_template))
            tpl.render(_template_context(plan, tpl, None), jinja_env=_docx_environment(), autoescape=True)
            tpl.save(io.BytesIO())

        def bare_template() -> None:
            tpl = DocxTemplate(io.BytesIO(template))
            tpl.render(_template_context(plan, tpl, None), jinja_env=_docx_environment(), autoescape=True)
            tpl.save(io.BytesIO())

        floor_s, bare_s = timed(floor, repeat), timed(bare_template, repeat)
        rows.append({"document": spec.name, "seconds": ours, "floor_seconds": floor_s, "ratio": ours / floor_s, "template_only_seconds": bare_s})
    worst = max(r["ratio"] for r in rows)
    cold_ratio = cold / cold_floor
    return {
        "cold_cli_all_documents_seconds": cold,
        "cold_floor_seconds": cold_floor,
        "cold_ratio": cold_ratio,
        "cold_documents": count,
        "documents": rows,
        "worst_ratio": worst,
        "target_ratio": 1.3,
        "met": worst <= 1.3 and cold_ratio <= 1.3,
    }


def make_profiles(folder: Path, count: int) -> None:
    """``count`` variations of the example housing association, each a different organisation."""
    text = PROFILE.read_text(encoding="utf-8")
    for index in range(count):
        name = f"Kingsmead & St Anne's Housing {index:03d}"
        variant = text.replace("name: Kingsmead & St Anne's Housing\n", f"name: {name}\n", 1)
        (folder / f"profile-{index:03d}.yaml").write_text(variant, encoding="utf-8")


def bench_batch(count: int) -> dict:
    with tempfile.TemporaryDirectory() as work:
        profiles = Path(work) / "profiles"
        profiles.mkdir()
        make_profiles(profiles, count)
        results = {}
        for jobs in (1, 2):
            out = Path(work) / f"out-{jobs}"
            seconds, peak, _code = run_tree(_cli() + ["build", str(profiles), "-o", str(out), "--jobs", str(jobs), "-q", "--date", DATE.isoformat()])
            documents = sum(1 for _ in out.rglob("*.docx"))
            results[jobs] = {"seconds": seconds, "peak_memory_mb": peak / 1e6, "documents": documents, "documents_per_second": documents / seconds}
    speedup = results[2]["documents_per_second"] / results[1]["documents_per_second"]
    peak = max(r["peak_memory_mb"] for r in results.values())
    return {
        "profiles": count,
        "jobs_1": results[1],
        "jobs_2": results[2],
        "speedup": speedup,
        "target_speedup": 1.7,
        "peak_memory_mb": peak,
        "target_memory_mb": 300,
        "met": speedup >= 1.7 and peak < 300,
    }


def make_long_document(folder: Path, pages_hint: int = 300) -> tuple[Path, Path | None]:
    """A ~300-page generated .docx: every example document joined in one file, repeated as needed.

    Copies after the first lose their clause markers (bookmark names must be unique), so most of
    the text goes through the evidence rules, the expensive path.
    """
    from msp_docs.build import build_profile

    built = folder / "built"
    for path in sorted((ROOT / "profiles").glob("*.yaml")):
        build_profile(path, built, date=DATE)
    first = next(built.rglob("policy.docx"))
    source = zipfile.ZipFile(first)
    xml = source.read("word/document.xml").decode()
    end = xml.rindex("<w:sectPr")
    bodies = []
    for path in sorted(built.rglob("*.docx")):
        other = zipfile.ZipFile(path).read("word/document.xml").decode()
        start = other.index("<w:body>") + len("<w:body>")
        bodies.append(re.sub(r"<w:bookmark(Start|End)[^>]*/>", "", other[start : other.rindex("<w:sectPr")]))
    # About 300 pages: all 18 example documents come to about 215; add the longest again.
    bodies += sorted(bodies, key=len, reverse=True)[:6]
    extra = "".join(bodies)
    long_xml = xml[:end] + extra + xml[end:]
    target = folder / "long.docx"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in source.namelist():
            out.writestr(name, long_xml if name == "word/document.xml" else source.read(name))
    pdf = None
    from msp_docs.convert import docx_to_pdf, find_soffice

    if find_soffice():
        pdf = folder / "long.pdf"
        pdf.write_bytes(docx_to_pdf(target))
    return target, pdf


def bench_check(repeat: int) -> dict:
    import docx
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory() as work:
        docx_path, pdf_path = make_long_document(Path(work))
        pages = None
        if pdf_path:
            document = pdfium.PdfDocument(str(pdf_path))
            pages = len(document)
            document.close()

        def docx_floor() -> None:
            document = docx.Document(str(docx_path))
            [p.text for p in document.paragraphs]

        def docx_floor_everything() -> None:
            # The same reach as msp-docs: every paragraph, table cells included, and headers and footers.
            from docx.oxml.ns import qn
            from docx.text.paragraph import Paragraph

            document = docx.Document(str(docx_path))
            [Paragraph(p, document).text for p in document.element.body.iter(qn("w:p"))]
            for section in document.sections:
                for part in (section.header, section.footer):
                    [p.text for p in part.paragraphs]

        def pdf_floor() -> None:
            document = pdfium.PdfDocument(str(pdf_path))
            for index in range(len(document)):
                page = document[index]
                textpage = page.get_textpage()
                textpage.get_text_range()
                textpage.close()
                page.close()
            document.close()

        def ours(path) -> float:
            start = time.perf_counter()
            subprocess.run(_cli() + ["check", str(path), "--format", "json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return time.perf_counter() - start

        from msp_docs.check import check_document

        from msp_docs.catalogue import load_catalogue

        catalogue = load_catalogue()

        def first_reading(path):
            # Warm process (catalogue loaded, expressions compiled) but no sentence seen before.
            catalogue.forget_sentences()
            check_document(path)

        def docx_floor_cold() -> float:
            # A fresh process in which python-docx opens the file and reads the paragraphs.
            code = "import sys, docx; d = docx.Document(sys.argv[1]); [p.text for p in d.paragraphs]"
            return run_tree([sys.executable, "-c", code, str(docx_path)])[0]

        def pdf_floor_cold() -> float:
            code = (
                "import sys, pypdfium2 as pdfium\n"
                "d = pdfium.PdfDocument(sys.argv[1])\n"
                "for i in range(len(d)):\n"
                "    p = d[i]; t = p.get_textpage(); t.get_text_range(); t.close(); p.close()\n"
            )
            return run_tree([sys.executable, "-c", code, str(pdf_path)])[0]

        check_document(docx_path)  # load and compile everything once
        warm_docx = timed(lambda: first_reading(docx_path), repeat)
        ours(docx_path)  # fill the user's cache, as any earlier run of this version has
        cold_docx = statistics.median(ours(docx_path) for _ in range(repeat))
        cold_floor_docx = statistics.median(docx_floor_cold() for _ in range(repeat))
        floor_docx = timed(docx_floor, repeat)
        floor_all = timed(docx_floor_everything, repeat)
        result = {
            "pages": pages,
            "docx": {
                "seconds_cold_cli": cold_docx,
                "cold_floor_seconds": cold_floor_docx,
                "cold_ratio": cold_docx / cold_floor_docx,
                "seconds_in_process": warm_docx,
                "floor_seconds": floor_docx,
                "ratio_in_process": warm_docx / floor_docx,
                "floor_everything_seconds": floor_all,
                "ratio_to_everything": warm_docx / floor_all,
            },
            "target_seconds": 1.5,
            "target_ratio": 2.0,
        }
        if pdf_path:
            warm_pdf = timed(lambda: first_reading(pdf_path), repeat)
            floor_pdf = timed(pdf_floor, repeat)
            cold_pdf = statistics.median(ours(pdf_path) for _ in range(repeat))
            cold_floor_pdf = statistics.median(pdf_floor_cold() for _ in range(repeat))
            result["pdf"] = {
                "seconds_cold_cli": cold_pdf,
                "cold_floor_seconds": cold_floor_pdf,
                "cold_ratio": cold_pdf / cold_floor_pdf,
                "seconds_in_process": warm_pdf,
                "floor_seconds": floor_pdf,
                "ratio_in_process": warm_pdf / floor_pdf,
                "target_ratio": 2.5,
            }
        result["met"] = result["docx"]["cold_ratio"] <= 2.0 and ("pdf" not in result or result["pdf"]["ratio_in_process"] <= 2.5)
        return result


#: Registered providers of social housing in England (about 1,400) and the documents each has.
NATIONAL_PROVIDERS, DOCUMENTS_EACH = 1400, 7


def bench_scale(count: int) -> dict:
    """`check --jobs 2` of ``count`` documents copied from the evaluation sets: time, peak memory, rate."""
    sources = sorted((ROOT / "tests" / "eval" / "documents").iterdir()) + sorted((ROOT / "tests" / "eval" / "blind" / "documents").iterdir())
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "documents"
        folder.mkdir()
        for index in range(count):
            source = sources[index % len(sources)]
            shutil.copyfile(source, folder / f"{index:04d}-{source.name}")
        seconds, peak, _code = run_tree(_cli() + ["check", str(folder), "--jobs", "2", "--format", "json", "-q", "-o", str(Path(work) / "report.json")])
    rate = count / seconds
    national = NATIONAL_PROVIDERS * DOCUMENTS_EACH
    return {
        "documents": count,
        "jobs": 2,
        "seconds": seconds,
        "documents_per_second": rate,
        "peak_memory_mb": peak / 1e6,
        "national_documents": national,
        "national_hours": national / rate / 3600,
    }


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform(), "date": dt.date.today().isoformat()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 40-profile batch and three repeats")
    parser.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "latest.json"), help="where to write the JSON results")
    parser.add_argument("--only", choices=("help", "build", "batch", "check", "scale"), action="append", help="run only these measurements")
    args = parser.parse_args()
    repeat = 3 if args.quick else 5
    wanted = set(args.only or ("help", "build", "batch", "check", "scale"))
    results = {"machine": machine()}
    if "help" in wanted:
        results["help"] = bench_help(repeat * 2)
    if "build" in wanted:
        results["build"] = bench_build(repeat)
    if "batch" in wanted:
        results["batch"] = bench_batch(40 if args.quick else 200)
    if "check" in wanted:
        results["check"] = bench_check(repeat)
    if "scale" in wanted:
        results["scale"] = bench_scale(200 if args.quick else 1000)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(table(results))
    return 0


def table(results: dict) -> str:
    """The results as a Markdown table (pasted into the README's Performance section)."""
    rows = ["| Measurement | Ours | Floor (bare libraries) | Ratio | Target | Met |", "|---|---|---|---|---|---|"]
    if "help" in results:
        h = results["help"]
        rows.append(f"| `msp-docs --help`, cold | {h['seconds']:.2f} s | – | – | ≤ 0.25 s | {'yes' if h['met'] else 'no'} |")
    if "build" in results:
        b = results["build"]
        rows.append(
            f"| `msp-docs build` one profile, {b['cold_documents']} documents, cold process | {b['cold_cli_all_documents_seconds']:.2f} s "
            f"| {b['cold_floor_seconds']:.2f} s (one process: docxtpl renders and saves the same {b['cold_documents']} documents) "
            f"| {b['cold_ratio']:.2f} | ≤ 1.3 | {'yes' if b['cold_ratio'] <= 1.3 else '**no**'} |"
        )
        for d in b["documents"]:
            rows.append(f"| build {d['document']} (warm process) | {d['seconds'] * 1000:.0f} ms | {d['floor_seconds'] * 1000:.0f} ms | {d['ratio']:.2f} | ≤ 1.3 | {'yes' if d['ratio'] <= 1.3 else 'no'} |")
    if "batch" in results:
        b = results["batch"]
        rows.append(f"| batch of {b['profiles']} profiles, --jobs 1 | {b['jobs_1']['seconds']:.1f} s ({b['jobs_1']['documents_per_second']:.1f} docs/s) | – | – | – | – |")
        rows.append(f"| batch of {b['profiles']} profiles, --jobs 2 | {b['jobs_2']['seconds']:.1f} s ({b['jobs_2']['documents_per_second']:.1f} docs/s) | – | {b['speedup']:.2f}× | ≥ 1.7× | {'yes' if b['speedup'] >= 1.7 else 'no'} |")
        rows.append(f"| batch peak memory (process tree) | {b['peak_memory_mb']:.0f} MB | – | – | < 300 MB | {'yes' if b['peak_memory_mb'] < 300 else 'no'} |")
    if "check" in results:
        c = results["check"]
        d = c["docx"]
        rows.append(
            f"| `check` {c.get('pages') or '~300'}-page .docx, cold process | {d['seconds_cold_cli']:.2f} s "
            f"| {d['cold_floor_seconds']:.2f} s (one process: python-docx reads the paragraphs) | {d['cold_ratio']:.2f} | ≤ 2 | {'yes' if d['cold_ratio'] <= 2 else '**no**'} |"
        )
        rows.append(f"| `check` same .docx, warm process | {d['seconds_in_process']:.2f} s | {d['floor_seconds']:.2f} s (python-docx body paragraphs) | {d['ratio_in_process']:.2f} | ≤ 2 | {'yes' if d['ratio_in_process'] <= 2 else 'no'} |")
        rows.append(f"| `check` same .docx, warm process | {d['seconds_in_process']:.2f} s | {d['floor_everything_seconds']:.2f} s (python-docx, every paragraph incl. tables, headers, footers) | {d['ratio_to_everything']:.2f} | ≤ 2 | {'yes' if d['ratio_to_everything'] <= 2 else 'no'} |")
        if "pdf" in c:
            p = c["pdf"]
            rows.append(f"| `check` same document as PDF, warm process | {p['seconds_in_process']:.2f} s | {p['floor_seconds']:.2f} s (pypdfium2 text) | {p['ratio_in_process']:.2f} | ≤ 2.5 | {'yes' if p['ratio_in_process'] <= 2.5 else '**no**'} |")
            rows.append(f"| `check` same document as PDF, cold process | {p['seconds_cold_cli']:.2f} s | {p['cold_floor_seconds']:.2f} s (one process: pypdfium2 text) | {p['cold_ratio']:.2f} | – | – |")
    if "scale" in results:
        x = results["scale"]
        rows.append(f"| `check --jobs 2` of {x['documents']:,} documents (the evaluation sets, copied) | {x['seconds']:.0f} s ({x['documents_per_second']:.1f} docs/s) | – | – | – | – |")
        rows.append(f"| same, peak memory (whole process tree, proportional set size) | {x['peak_memory_mb']:.0f} MB | – | – | – | – |")
        rows.append(f"| a national run at that rate: {x['national_documents']:,} documents ({NATIONAL_PROVIDERS:,} providers × {DOCUMENTS_EACH}) | {x['national_hours']:.1f} h | – | – | – | – |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
