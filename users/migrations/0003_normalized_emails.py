"""Store every email in the one normalized form (NFKC, casefold) that lookups now compare exactly.

Refuses to run when two stored addresses fold to the same one: which account keeps the address
is a person's decision, not a migration's. Addresses that cannot be normalized (hidden or
look-alike characters) are left as they are and listed, so an operator can look at them.
"""

from django.db import migrations, models

import users.emails


def normalize_stored_emails(apps, schema_editor):
    from users.emails import UnreadableEmail, normalize_email

    User = apps.get_model("users", "User")
    owners: dict[str, list[str]] = {}
    unreadable = []
    changes = []
    for pk, email in User.objects.values_list("pk", "email"):
        try:
            normalized = normalize_email(email)
        except UnreadableEmail:
            unreadable.append(email)
            normalized = email
        owners.setdefault(normalized, []).append(str(pk))
        if normalized != email:
            changes.append((pk, normalized))
    collisions = {email: pks for email, pks in owners.items() if len(pks) > 1}
    if collisions:
        listed = "; ".join(f"{email}: users {', '.join(pks)}" for email, pks in sorted(collisions.items()))
        raise RuntimeError(
            "These accounts have emails that are the same once normalized; merge or rename them, "
            f"then migrate again: {listed}"
        )
    for pk, normalized in changes:
        User.objects.filter(pk=pk).update(email=normalized)
    if unreadable:
        print(f"\n  users.0003: {len(unreadable)} stored email(s) left as they are (unreadable): {unreadable}")  # noqa: T201


class Migration(migrations.Migration):

    dependencies = [
        ("users", "0002_profile_username_ci_unique"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="email",
            field=models.EmailField(max_length=254, unique=True, validators=[users.emails.validate_readable_email]),
        ),
        migrations.RunPython(normalize_stored_emails, migrations.RunPython.noop),
    ]
