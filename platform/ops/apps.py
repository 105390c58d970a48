from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations: health of the web server and the workers"
    default_auto_field = "django.db.models.BigAutoField"
