"""Page -> record extraction (pure, no Scrapy): trafilatura, metadata, clean-up, paywalls."""
