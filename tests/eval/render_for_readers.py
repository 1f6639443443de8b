#!/usr/bin/env python3
"""Plain-text renderings of built evaluation documents for blind readers (python-docx and pypdfium2 only, not the checker).

    python tests/eval/render_for_readers.py tests/eval/blind/documents OUT_DIR FILE...

Each FILE becomes OUT_DIR/FILE.txt: a first line naming the document, then its text. A .docx gives
its header and footer lines marked [header] / [footer] and each table row with its cells joined by
" | "; a .pdf gives each page after a "--- page N ---" line; .md and .txt are copied.
"""
import sys
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph


def docx_lines(path):
    d = docx.Document(str(path))
    out = []
    sec = d.sections[0]
    for p in sec.header.paragraphs:
        if p.text.strip():
            out.append("[header] " + p.text)
    body = d.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            t = Paragraph(child, d).text
            if t.strip():
                out.append(t)
        elif tag == "tbl":
            table = Table(child, d)
            for row in table.rows:
                cells = []
                seen = set()
                for c in row.cells:
                    if id(c._tc) in seen:
                        continue
                    seen.add(id(c._tc))
                    cells.append(" / ".join(p.text for p in c.paragraphs if p.text.strip()))
                if len(cells) == 1:
                    out.extend(p.text for p in row.cells[0].paragraphs if p.text.strip())
                else:
                    out.append(" | ".join(cells))
            out.append("")
    for p in sec.footer.paragraphs:
        if p.text.strip():
            out.append("[footer] " + p.text)
    return out


def pdf_lines(path):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(path))
    out = []
    for i in range(len(pdf)):
        out.append(f"--- page {i + 1} ---")
        out.extend(pdf[i].get_textpage().get_text_range().replace("\r", "").split("\n"))
    return out


def main():
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    dst.mkdir(parents=True, exist_ok=True)
    for path in sys.argv[3:]:
        p = src / path
        if p.suffix == ".docx":
            lines = docx_lines(p)
        elif p.suffix == ".pdf":
            lines = pdf_lines(p)
        else:
            lines = p.read_text(encoding="utf-8").split("\n")
        (dst / (p.name + ".txt")).write_text(f"DOCUMENT FILE: {p.name}\n\n" + "\n".join(lines) + "\n", encoding="utf-8")


main()
