"""The bucket browser: folder tree, object list, actions, dialogs and drops."""
