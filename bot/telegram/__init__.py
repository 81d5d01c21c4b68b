"""The Telegram adapter (python-telegram-bot 22): commands and 👍/👎 buttons in, digests out."""
