"""The embedded demo environment: a local S3 server and a demo backend, seeded."""
