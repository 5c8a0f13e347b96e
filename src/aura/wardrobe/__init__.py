"""The wardrobe service: items, their photos, their embeddings and similarity search."""
