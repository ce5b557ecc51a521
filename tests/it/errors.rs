//! Bad input: one clear error naming file, line and column, exit 2, no output written.
