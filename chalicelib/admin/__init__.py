"""Tools of the admin command line (chalicelib/cli.py) that move data in: they run beside the
store, never in the deployed function."""
