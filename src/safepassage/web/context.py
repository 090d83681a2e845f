from safepassage.core.principal import principal_for_user
from safepassage.core.timeutil import operation_zone_name
from safepassage.web.menu import menu_for


def principal(request):
    """Make the acting principal, the menu it may open and the operation's time zone available to templates."""
    acting = principal_for_user(getattr(request, "user", None))
    return {"principal": acting, "menu": menu_for(acting), "op_tz": operation_zone_name()}
