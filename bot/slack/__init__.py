"""Slack adapter: slack-bolt AsyncApp, Block Kit digests, App Home."""
