from django.db import migrations
from pgvector.django import VectorExtension


class Migration(migrations.Migration):
    """Enable pgvector before any memory table needs the `vector` type."""

    initial = True
    dependencies = []
    operations = [VectorExtension()]
