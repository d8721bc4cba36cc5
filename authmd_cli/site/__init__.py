"""`authmd init`: the service config (authmd.yaml), the generators, safe file writing and the wizard."""
