"""Tests of the bench generators that other tests rely on."""
