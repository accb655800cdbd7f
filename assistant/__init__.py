"""Front Door: a local-first assistant that drafts records of children's social care consultation calls.

Importing this package has no side effects: settings, models and corpus data are built at start-up
by the entry points (``assistant.cli``, ``ui``) and passed in.
"""

__version__ = "0.1.0"
