"""Cleanwire: crawl news sites into clean, deduplicated JSONL."""
