"""The local web application (``msp-docs serve``): a second face of the library, like ``cli.py``.

Routes parse the request, call the same library functions as the command line and render a
server-rendered page; nothing about coverage, clauses or file formats is decided here.
"""

from msp_docs.web.app import create_app

__all__ = ["create_app"]
