"""Standard responses: a categorised library of prewritten texts, with field substitution."""
