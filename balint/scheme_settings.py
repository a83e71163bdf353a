"""Per-app scheme settings: each app keeps its own settings of a scheme in its own table
(sessions.SchemeSettings, attendance.Requirement), keyed one-to-one by the scheme, so a
new feature migrates its own app and never groups.

groups cannot create those rows (apps depend one way, toward groups), so each app asks
for a row whenever a scheme is created: one of the few signals in the code, connected in
the app's `ready()`. Fixtures (`raw`) bring their own rows.
"""

from django.db.models.signals import post_save


class PerSchemeSettings:
    """Mixin for a model whose primary key is a one-to-one `scheme`."""

    @classmethod
    def for_scheme(cls, scheme):
        """The scheme's row, or the defaults (unsaved) for a scheme that somehow has none."""
        accessor = cls._meta.get_field("scheme").remote_field.get_accessor_name()
        try:
            return getattr(scheme, accessor)
        except cls.DoesNotExist:
            return cls(scheme=scheme)

    @classmethod
    def create_for_new_schemes(cls) -> None:
        def create(sender, instance, created: bool, raw: bool, **kwargs) -> None:
            if created and not raw:
                cls.objects.get_or_create(scheme=instance)

        post_save.connect(
            create, sender="groups.Scheme", weak=False, dispatch_uid=f"settings:{cls._meta.label}"
        )
