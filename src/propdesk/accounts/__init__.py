"""Paper accounts: opening, renaming, resetting, under a prop-firm rule set."""
