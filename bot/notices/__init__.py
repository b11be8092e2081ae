"""Notices and activity announcements: staff broadcast to residents' group chats.

``compose`` writes and checks a notice, ``store`` keeps every read and write,
``broadcast`` delivers within Telegram's limits exactly once, ``schedule`` runs
due notices (catching up after downtime), ``telegram`` and ``cli`` are the two
front doors. Only ``telegram`` imports python-telegram-bot. See docs/notices.md.
"""
