"""A verified enrollment goes on to cloning by itself."""


def on_enrollment_verified(sender, enrollment_id, **kwargs):
    from .models import Enrollment
    from .services.voice import voice_clone_start

    enrollment = Enrollment.objects.filter(pk=enrollment_id, state=Enrollment.State.VERIFIED).first()
    if enrollment is not None:
        voice_clone_start(enrollment=enrollment)


def connect():
    from .services.enrollment import enrollment_verified

    enrollment_verified.connect(on_enrollment_verified, dispatch_uid="voices.clone_on_verified")
