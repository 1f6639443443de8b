"""msp-docs: write and check adult safeguarding documents for the UK housing sector."""

__version__ = "0.1.0"
