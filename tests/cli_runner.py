"""Run the ``mgd`` command line inside a test: exit code, stdout and stderr."""

from mgd.cli import main


def run_cli(argv, capsys):
    """``main(argv)``'s exit code (also when argparse exits) and what it printed."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err
