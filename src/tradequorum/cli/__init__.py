"""The ``quorum`` command line."""
