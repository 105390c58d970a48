from django.apps import AppConfig


class VoicesConfig(AppConfig):
    name = "voices"
    verbose_name = "Voices: consent, enrollment and cloning"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import receivers

        receivers.connect()
