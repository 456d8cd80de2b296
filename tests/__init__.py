"""Tests of the workstation."""
