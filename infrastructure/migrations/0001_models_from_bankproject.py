
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    # The tables were made by bankproject's migrations, whose models these were: this
    # migration takes them over in Django's state and changes nothing in the database.
    dependencies = [
        ("bankproject", "0002_worker_health_and_projection_tracking"),
    ]

    state_operations = [
        migrations.CreateModel(
            name='EventInsertLock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('application_name', models.CharField(max_length=32, unique=True)),
                ('last_locked_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'event_insert_locks',
            },
        ),
        migrations.CreateModel(
            name='FollowerState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('application_name', models.CharField(max_length=32, unique=True)),
                ('state', models.CharField(choices=[('running', 'running'), ('retrying', 'retrying'), ('stopped', 'stopped')], max_length=8)),
                ('since', models.DateTimeField()),
                ('failures', models.PositiveIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
                ('leader_name', models.CharField(blank=True, max_length=32)),
                ('notification_id', models.BigIntegerField(null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'db_table': 'follower_states',
            },
        ),
        migrations.CreateModel(
            name='ProjectionTrackingRecord',
            fields=[
                ('uid', models.BigAutoField(primary_key=True, serialize=False)),
                ('application_name', models.CharField(max_length=32)),
                ('upstream_application_name', models.CharField(max_length=32)),
                ('notification_id', models.BigIntegerField()),
            ],
            options={
                'db_table': 'projection_tracking',
                'unique_together': {('application_name', 'upstream_application_name', 'notification_id')},
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
