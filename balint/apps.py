from django.apps import AppConfig


class BalintConfig(AppConfig):
    name = "balint"
    verbose_name = "Balint"

    def ready(self):
        # Find every app's personal-data part now, so a broken one fails at start-up.
        from balint import privacy

        privacy.parts()
