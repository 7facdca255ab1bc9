"""sheetsync: a spreadsheet as a working accounts-receivable collections system.

The pure core is `engine.plan(tracker, today)`; `api` holds one call per command.
"""

__version__ = "0.1.0"
