//! Finding and running lld (placeholder).
