"""The test identity provider: keys, JWKS, ID-JAG and SET minting, and its commands."""
