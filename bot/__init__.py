"""The edge: `compose.py` builds everything from `settings.py`; the CLI, `paperbot run`, the
scheduler's triggers and the web server start it; the driving adapters (console, Telegram,
Slack) translate a platform's events into core commands and core digests into its messages."""
