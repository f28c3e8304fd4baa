"""coachadmin: the desktop admin tool for the coaching platform's media and lessons."""

__version__ = "0.1.0"
APP_NAME = "coachadmin"
