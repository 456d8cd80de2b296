"""Tests of optical mark recognition and answer-sheet layouts."""
