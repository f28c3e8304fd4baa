"""The transfer queue panel: a model over the engine's queue, a progress delegate."""
