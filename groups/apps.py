from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = "Schemes, groups and people"

    def ready(self) -> None:
        from groups import middleware  # noqa: F401 - connects its signal receivers
