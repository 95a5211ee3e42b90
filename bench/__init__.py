"""Benchmarks: each subpackage measures one service and prints a table. Not tests."""
