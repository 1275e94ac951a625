from accounts.navigation import visible_navigation
from accounts.selectors import user_role_name


def navigation(request):
    """Navigation and the role badge for the base layout (only for signed-in people)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_items": visible_navigation(user, request.path), "user_role": user_role_name(user)}
