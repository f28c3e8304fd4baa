"""The platform's REST API without Qt: session, envelope, typed errors, models."""
