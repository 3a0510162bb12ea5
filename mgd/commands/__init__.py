"""The commands of ``mgd``, one module each. A command module defines ``add_parser(sub)`` (adds its subparser to
the ``mgd`` parser's subparsers and returns it) and ``run(args)`` (does the work; returns the exit status, raises
:class:`~mgd.golden_model.config.ConfigError` for bad input). :data:`mgd.cli.COMMANDS` lists them."""
