"""Screening instruments as data, and the screenings done with them."""
