from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bidding', '0011_security_forfeit'),
    ]

    operations = [
        migrations.AddField(
            model_name='sealedfile',
            name='declared_sha256',
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
