"""The process and the market as a whole: regime readings, and the figures of the system status."""
