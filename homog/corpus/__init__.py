"""Corpus layer: normalised paper records, identity, and one reader per source."""
