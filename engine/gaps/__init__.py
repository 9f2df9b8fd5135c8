"""Where the data is missing: validity, SLC-off gaps inside the scene footprint, the stripe
geometry, and a simulator that burns faithful SLC-off gaps into clean rasters."""
