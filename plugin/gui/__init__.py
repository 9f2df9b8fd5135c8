"""Dialogs and the code that runs algorithms for them; imported only from `initGui`."""
