"""The partner portal: a partner user's own list, its prints and exports, and what changed."""
