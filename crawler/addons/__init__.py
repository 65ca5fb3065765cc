"""Scrapy add-ons: distributed mode, the contact User-Agent and quiet start-up."""
