from django.db import migrations


class Migration(migrations.Migration):
    """The worker's tables now belong to the infrastructure app (its 0001): Django forgets
    them here, and the database keeps them as they are."""

    dependencies = [
        ("bankproject", "0002_worker_health_and_projection_tracking"),
        ("infrastructure", "0001_models_from_bankproject"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="EventInsertLock"),
                migrations.DeleteModel(name="FollowerState"),
                migrations.DeleteModel(name="ProjectionTrackingRecord"),
            ]
        )
    ]
