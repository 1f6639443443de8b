"""Raw OOXML handling, kept in one private package: paragraphs, runs, tables, bookmarks, numbering,
document properties and the zip container. Everything else in msp-docs calls these functions,
through this package's names (``_ooxml.paragraph``), as python-docx keeps ``oxml/`` under its API.

Each module holds one concern, and imports only its siblings below it:

- ``namespaces``: namespaces, Clark names (``w('p')``) and the element factory;
- ``content``: building runs, paragraphs and tables, and their look;
- ``bookmarks``: bookmarks and the clause markers kept in them;
- ``styles``: list numbering and heading (outline) levels;
- ``safety``: safe XML parsing, size and ratio limits, bounded streams;
- ``properties``: custom document properties, the core-properties prefix repair;
- ``package``: the zip container, opened safely (``WordPackage``) and written deterministically;
- ``stories``: the paragraphs of a story part, streamed as passages;
- ``comments``: a comment anchored to a whole paragraph, the body paragraph that stands in for a
  text box, header or note, and Word's comment styles.
"""

from __future__ import annotations

from msp_docs._ooxml.bookmarks import (
    MARKER_PREFIX,
    bookmark_end,
    bookmark_start,
    last_paragraph,
    marker_name,
    max_bookmark_id,
    parse_marker,
    text_fingerprint,
)
from msp_docs._ooxml.comments import (
    anchor_paragraph,
    ensure_comment_styles,
    first_paragraph_using,
    first_text_paragraph,
    in_text_box,
    note_id_at,
    note_reference_paragraph,
    outside_text_boxes,
    own_text,
    set_comment_date,
)
from msp_docs._ooxml.content import apply_run_look, iter_text_nodes, paragraph, run, set_page_break_before, table
from msp_docs._ooxml.namespaces import MC_NS, R_NS, REL_NS, W, W_NS, XML_SPACE, w
from msp_docs._ooxml.package import OFFICE_DOCUMENT_RT, WordPackage, deterministic_zip, open_package
from msp_docs._ooxml.properties import (
    CORE_PROPERTIES_NS,
    CUSTOM_PROPS_CT,
    CUSTOM_PROPS_NS,
    CUSTOM_PROPS_RT,
    FMTID,
    VT_NS,
    read_custom_properties,
    restore_core_properties_prefix,
    set_custom_properties,
)
from msp_docs._ooxml.safety import (
    MAX_MEMBERS,
    MAX_PART_BYTES,
    MAX_RATIO,
    MAX_TOTAL_BYTES,
    PROLOG_LIMIT,
    RATIO_FLOOR_BYTES,
    WHOLE_MAX_TOTAL_BYTES,
    WHOLE_MAX_XML_BYTES,
    safe_xml,
)
from msp_docs._ooxml.stories import story_passages
from msp_docs._ooxml.styles import abstract_num_of, new_list_instance, outline_level, outline_levels, style_num_id

__all__ = [
    "CORE_PROPERTIES_NS",
    "CUSTOM_PROPS_CT",
    "CUSTOM_PROPS_NS",
    "CUSTOM_PROPS_RT",
    "FMTID",
    "MARKER_PREFIX",
    "MAX_MEMBERS",
    "MAX_PART_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "MC_NS",
    "OFFICE_DOCUMENT_RT",
    "PROLOG_LIMIT",
    "RATIO_FLOOR_BYTES",
    "REL_NS",
    "R_NS",
    "VT_NS",
    "W",
    "WHOLE_MAX_TOTAL_BYTES",
    "WHOLE_MAX_XML_BYTES",
    "W_NS",
    "WordPackage",
    "XML_SPACE",
    "abstract_num_of",
    "anchor_paragraph",
    "apply_run_look",
    "bookmark_end",
    "bookmark_start",
    "deterministic_zip",
    "ensure_comment_styles",
    "first_paragraph_using",
    "first_text_paragraph",
    "in_text_box",
    "iter_text_nodes",
    "last_paragraph",
    "marker_name",
    "max_bookmark_id",
    "new_list_instance",
    "note_id_at",
    "note_reference_paragraph",
    "open_package",
    "outline_level",
    "outline_levels",
    "outside_text_boxes",
    "own_text",
    "paragraph",
    "parse_marker",
    "read_custom_properties",
    "restore_core_properties_prefix",
    "run",
    "safe_xml",
    "set_comment_date",
    "set_custom_properties",
    "set_page_break_before",
    "story_passages",
    "style_num_id",
    "table",
    "text_fingerprint",
    "w",
]
