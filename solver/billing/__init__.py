"""The chosen catalog in billing systems: the API requests that create it
in Stripe or Lago, and back (export), and sending them (api)."""
