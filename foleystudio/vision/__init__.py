"""Seeing: pose per person, tracking, contacts, scene."""
