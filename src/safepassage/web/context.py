from safepassage.core.principal import principal_for_user


def principal(request):
    """Make the acting principal available to templates."""
    return {"principal": principal_for_user(getattr(request, "user", None))}
