"""Finding articles (pure, no Scrapy): sitemaps, feeds, links, sources files, CDX backfill."""
