"""The county-platform upload: contract, client with a durable outbox, reference receiver."""
