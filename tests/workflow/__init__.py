"""Tests of the headless services and the ptw command line."""
