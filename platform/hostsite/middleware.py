class PermissionsPolicyMiddleware:
    """Only this site's own pages may ask for the microphone (voice enrollment); nothing else is needed."""

    header = "microphone=(self), camera=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response
