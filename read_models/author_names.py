"""How an author is named in read models: the profile username, never the email."""


def display_name(username: str | None, user_id) -> str:
    """Profiles may lack a username (onboarding not finished): fall back to a stable handle."""
    return username or f"user-{str(user_id).replace('-', '')[:8]}"
