"""Make the README's pictures of `msp-docs review`: a page of the marked-up copy and a page of the letter.

    python scripts/readme_pictures.py

Reviews tests/eval/documents/05-kestrelvale-repairs-spec.docx with the Eastmoor example profile
(1 July 2026), converts both outputs to PDF with LibreOffice (comments exported as PDF notes),
and writes docs/review-comments.png and docs/review-letter.png. LibreOffice 7.4 cannot print
comments in the margin, so the comments page is the PDF page LibreOffice drew, each note it exported
numbered where it sits and its text set beside the page (Chromium takes the picture). Needs soffice, pdftoppm and
chromium.
"""

from __future__ import annotations

import base64
import ctypes
import datetime as dt
import html
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "eval" / "documents" / "05-kestrelvale-repairs-spec.docx"
PROFILE = ROOT / "profiles" / "eastmoor-district-council.yaml"
DOCS = ROOT / "docs"
DPI = 60
EXPORT = 'pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}'


def notes_by_page(pdf: Path) -> list[list[tuple[float, float, str]]]:
    """(points from the top, points from the left, text) of each comment note, page by page."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(str(pdf))
    pages = []
    for index in range(len(document)):
        page = document[index]
        height = page.get_height()
        found = []
        for j in range(raw.FPDFPage_GetAnnotCount(page.raw)):
            annot = raw.FPDFPage_GetAnnot(page.raw, j)
            if raw.FPDFAnnot_GetSubtype(annot) == raw.FPDF_ANNOT_TEXT:
                rect = raw.FS_RECTF()
                raw.FPDFAnnot_GetRect(annot, rect)
                size = raw.FPDFAnnot_GetStringValue(annot, b"Contents", None, 0)
                buffer = ctypes.create_string_buffer(size)
                raw.FPDFAnnot_GetStringValue(annot, b"Contents", ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)), size)
                found.append((height - rect.top, rect.left, buffer.raw[: max(size - 2, 0)].decode("utf-16-le")))
            raw.FPDFPage_CloseAnnot(annot)
        pages.append(sorted(found))
    return pages


def page_png(pdf: Path, page: int, out: Path) -> Path:
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(out.with_suffix(""))], check=True)
    return out


def comments_picture(pdf: Path, work: Path, target: Path) -> None:
    """The page with most comments, each note's place numbered on the page and its text beside it, as in Word's comments pane."""
    pages = notes_by_page(pdf)
    number = max(range(len(pages)), key=lambda i: (len(pages[i]), -i)) + 1
    image = page_png(pdf, number, work / "page.png")
    scale = DPI / 72
    badges, notes = [], []
    for count, (top, left, text) in enumerate(pages[number - 1], start=1):
        badges.append(f'<span class="badge" style="top:{top * scale + 8:.0f}px;left:{left * scale + 4:.0f}px">{count}</span>')
        lines = "<br>".join(html.escape(line) for line in text.split("\n"))
        notes.append(f'<div class="note"><span class="num">{count}</span> <b>Priya Shah</b><br>{lines}</div>')
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body{{margin:0;background:#e8e8e8;font-family:Arial,sans-serif}}
.wrap{{display:flex;gap:14px;padding:10px;align-items:flex-start}}
.page{{position:relative}} img{{border:1px solid #999;background:white;display:block}}
.badge,.num{{display:inline-block;min-width:15px;height:15px;border-radius:8px;background:#c0392b;color:white;font-size:10px;line-height:15px;text-align:center;font-weight:bold}}
.badge{{position:absolute}}
.notes{{width:390px}}
.note{{background:#fff8c4;border:1px solid #c9b458;border-radius:3px;padding:4px 6px;margin-bottom:6px;font-size:10.5px;line-height:13px}}
</style></head><body><div class="wrap"><div class="page"><img src="data:image/png;base64,{base64.b64encode(image.read_bytes()).decode()}">{''.join(badges)}</div>
<div class="notes">{''.join(notes)}</div></div></body></html>"""
    (work / "page.html").write_text(page, encoding="utf-8")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--screenshot={target}", f"--window-size=940,{max(int(11 * DPI) + 22, 76 * len(notes) + 20)}", (work / "page.html").as_uri()], check=True, capture_output=True)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from msp_docs.convert import convert
    from msp_docs.review import review_document

    result = review_document(SOURCE, PROFILE, date=dt.date(2026, 7, 1))
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        reviewed, letter = work / "reviewed.docx", work / "letter.docx"
        reviewed.write_bytes(result.reviewed)
        letter.write_bytes(result.letter)
        (work / "reviewed.pdf").write_bytes(convert(reviewed, EXPORT, suffix=".pdf"))
        (work / "letter.pdf").write_bytes(convert(letter, "pdf", suffix=".pdf"))
        comments_picture(work / "reviewed.pdf", work, DOCS / "review-comments.png")
        page_png(work / "letter.pdf", 1, work / "letter.png")
        shutil.copyfile(work / "letter.png", DOCS / "review-letter.png")
    for name in ("review-comments.png", "review-letter.png"):
        print(f"wrote docs/{name} ({(DOCS / name).stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
