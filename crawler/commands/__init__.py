"""Project commands for the `scrapy` tool (`scrapy preview`)."""
