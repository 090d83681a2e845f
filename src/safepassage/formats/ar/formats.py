"""Arabic number formats for the pages: Western digits (as the rest of the product), a point for decimals and
a comma between thousands, so that coordinates and quantities read the same as in the forms (Django's default
Arabic formats use a comma for decimals)."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
