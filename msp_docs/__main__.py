"""Allow ``python -m msp_docs``; also the console script's entry point."""

import sys

from msp_docs import interrupt


def main() -> None:
    """Run the command line, handling Ctrl+C and SIGTERM from the first moment."""
    interrupt.install()  # before importing the CLI, which takes a noticeable fraction of a second
    try:
        from msp_docs.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("msp-docs: interrupted while starting; nothing was written\n")
        sys.exit(130)
    run()


if __name__ == "__main__":  # pragma: no cover - exercised through subprocess tests
    main()
