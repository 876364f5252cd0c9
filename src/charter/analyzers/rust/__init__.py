"""Rust rules on the shared tree-sitter tree."""
