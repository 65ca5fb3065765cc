"""Cleanwire spiders: one per entry point."""
