"""What the auth.md protocol is, per generation: profiles, vocabularies, schemas, document model, detection."""
