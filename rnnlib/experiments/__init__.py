"""The book's experiments as pure functions: seeded, returning arrays the plots draw."""
