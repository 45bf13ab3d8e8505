from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bidding', '0008_hall_aborted'),
    ]

    operations = [
        migrations.AddField(
            model_name='sealedfile',
            name='declared_sha256',
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
