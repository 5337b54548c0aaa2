//! The prebuilt runtime archives embedded in wafer (placeholder).
