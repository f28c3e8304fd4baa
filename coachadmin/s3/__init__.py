"""S3 without Qt: client factory, URIs, listing, objects, presigning, key naming."""
