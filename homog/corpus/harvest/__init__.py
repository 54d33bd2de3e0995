"""Live, polite, resumable harvesting: arXiv API, arXiv OAI-PMH, OpenAlex; corpus specifications."""
