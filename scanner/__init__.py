"""Page acquisition (TWAIN, SANE, watch folder, files) and the durable page inbox."""
