"""Authentication: OAuth2 password flow issuing JWTs, and role checks."""
