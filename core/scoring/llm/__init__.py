"""LLM scoring through the OpenAI client: our prompt, tolerant answer parsing, cost control."""
