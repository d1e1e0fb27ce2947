"""The stateless OAuth 2.1 facade to Entra ID (sealing, redirect rules, upstream calls, routes)."""
