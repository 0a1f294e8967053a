// Placeholder: this target's code lands in its own issue.
