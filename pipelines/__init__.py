"""Cleanwire item pipelines: one component per module."""
