from django.apps import AppConfig


class ReadaloudConfig(AppConfig):
    name = "readaloud"
    verbose_name = "Read-aloud: article audio"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Listening to the host's publish event only wires a receiver: no model or heavy import happens here.
        from . import receivers

        receivers.connect_publish_signal()
        receivers.connect_voice_signal()
