"""Text logic (pure, no Scrapy): normalisation, language, near duplicates, site lines, charsets."""
