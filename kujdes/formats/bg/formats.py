"""Bulgarian formats for Kujdes: thousands grouped with a (non-breaking) space, as Bulgarian writes them."""

THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
