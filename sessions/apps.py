from django.apps import AppConfig


class SessionsConfig(AppConfig):
    name = "sessions"
    # django.contrib.sessions already owns the label "sessions".
    label = "balint_sessions"
    verbose_name = "Sessions and rota"

    def ready(self) -> None:
        from sessions import tasks  # noqa: F401 - the tasks live in the subpackages; this registers them
        from sessions.models import SchemeSettings

        SchemeSettings.create_for_new_schemes()
