"""Who is reading, as read models' compiled queries take it: a user id or None."""


def signed_in_id(viewer):
    """The viewer's user id, or None for an anonymous viewer (or none at all)."""
    return viewer.pk if viewer is not None and viewer.is_authenticated else None
