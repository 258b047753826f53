"""Answering: the engine, the Slack bot, the answer log, the admin page and the command line."""
