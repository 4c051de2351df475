#!/usr/bin/env python3
"""The benchmark's Django + PostgreSQL peer (bench/peer.ts starts it): `manage.py migrate`, `manage.py seed`."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
