"""Document properties: the user-defined (custom) properties, and a repair of python-docx's core-properties prefix."""

from __future__ import annotations

import zipfile

from lxml import etree

from msp_docs._ooxml.safety import safe_xml


CUSTOM_PROPS_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
CUSTOM_PROPS_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_PROPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


CORE_PROPERTIES_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"


def restore_core_properties_prefix() -> None:
    """Undo docxcompose's process-wide change of python-docx's ``cp`` prefix.

    Importing docxcompose (docxtpl imports it too) points python-docx's ``cp`` prefix at the
    custom-properties namespace, so setting a core property such as keywords then adds a second,
    wrongly namespaced element that Word reports as unreadable content (docxcompose issue #101,
    docxtpl pull request #657). docxcompose keeps its own namespace map, so this is safe for it.
    Call after importing docxtpl or docxcompose.
    """
    from docx.oxml.ns import nsmap

    nsmap["cp"] = CORE_PROPERTIES_NS


def set_custom_properties(document, values: dict[str, str]) -> None:
    """Write docProps/custom.xml (user-defined document properties) on a python-docx Document."""
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    root = etree.Element(f"{{{CUSTOM_PROPS_NS}}}Properties", nsmap={None: CUSTOM_PROPS_NS, "vt": VT_NS})
    for pid, (name, value) in enumerate(values.items(), start=2):
        prop = etree.SubElement(root, f"{{{CUSTOM_PROPS_NS}}}property", fmtid=FMTID, pid=str(pid), name=name)
        text = etree.SubElement(prop, f"{{{VT_NS}}}lpwstr")
        text.text = value
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == CUSTOM_PROPS_RT:
            del package.rels[rel_id]
    part = Part(PackURI("/docProps/custom.xml"), CUSTOM_PROPS_CT, blob, package)
    package.relate_to(part, CUSTOM_PROPS_RT)


def read_custom_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    """User-defined document properties of an open docx zip."""
    try:
        data = zf.read("docProps/custom.xml")
    except KeyError:
        return {}
    root = safe_xml(data)
    out = {}
    for prop in root.iter(f"{{{CUSTOM_PROPS_NS}}}property"):
        value = "".join(prop.itertext())
        out[prop.get("name", "")] = value
    return out
