"""Memory.context (the neighbouring messages of its add call) and a search_vector that holds
the text with weight A and the context with weight D. A generated column cannot be altered in
place, so it is dropped and added again (its GIN index with it); the table is rewritten once."""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("memories", "0005_moderation")]

    operations = [
        migrations.AddField(
            model_name="memory",
            name="context",
            field=models.TextField(blank=True, default="", db_default=""),
        ),
        migrations.RemoveIndex(model_name="memory", name="memory_search_vector"),
        migrations.RemoveField(model_name="memory", name="search_vector"),
        migrations.AddField(
            model_name="memory",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.contrib.postgres.search.CombinedSearchVector(
                    django.contrib.postgres.search.SearchVector(
                        "text", config="english", weight="A"
                    ),
                    "||",
                    django.contrib.postgres.search.SearchVector(
                        "context", config="english", weight="D"
                    ),
                    django.contrib.postgres.search.SearchConfig("english"),
                ),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="memory",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="memory_search_vector"
            ),
        ),
    ]
