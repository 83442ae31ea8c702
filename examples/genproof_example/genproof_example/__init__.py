"""An example package of results checked by genproof: two lemmas of an introductory statistics course."""
