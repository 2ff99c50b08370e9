"""Identity and access: password hashing, tokens, API keys, principals and rate limits."""
