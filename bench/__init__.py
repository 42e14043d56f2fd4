"""Benchmarks; run each as a module (python -m bench.NAME) or all with make bench."""
