"""Opt-in nudges: notice workplace messages that describe work with dual-use potential (see docs/nudges.md)."""

from .notice import Notice, NoticeKind, Noticer

__all__ = ["Notice", "NoticeKind", "Noticer"]
