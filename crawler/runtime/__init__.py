"""What a run works with (no Scrapy at import): worker pool, journal, state stores, run info."""
