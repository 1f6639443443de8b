"""WordprocessingML namespaces, Clark names and the element factory the other _ooxml modules build with."""

from __future__ import annotations

from lxml import etree


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def w(tag: str) -> str:
    """Clark name of a WordprocessingML tag: w('p') -> '{...main}p'."""
    return W + tag


def _el(tag: str, parent=None, **attrs):
    element = etree.SubElement(parent, w(tag)) if parent is not None else etree.Element(w(tag), nsmap={"w": W_NS})
    for key, value in attrs.items():
        element.set(w(key), str(value))
    return element
