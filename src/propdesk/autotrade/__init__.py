"""Auto-trading: an account's settings, and the runtime that turns signals into bracket orders."""
