"""Allow ``python -m msp_docs``."""

from msp_docs.cli import main

if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
