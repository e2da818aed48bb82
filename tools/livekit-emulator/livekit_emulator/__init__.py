"""A stand-in for LiveKit's server API and Egress, strict enough to catch wire mistakes."""
