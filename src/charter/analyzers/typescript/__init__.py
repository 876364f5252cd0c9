"""Typescript rules on the shared tree-sitter tree."""
