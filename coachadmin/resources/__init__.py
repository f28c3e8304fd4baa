"""Data files shipped with the app: sample media, icons, the API description.

Installed, this directory is the package ``coachadmin.resources``; read its files
with :func:`coachadmin.resource_path.resource`.
"""
