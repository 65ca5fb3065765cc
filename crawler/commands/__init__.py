"""Project commands for the `scrapy` tool: `scrapy preview`, and `scrapy crawl` (Scrapy's,
with checks before crawling and an exit status that says how the run went)."""
