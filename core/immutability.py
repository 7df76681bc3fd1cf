"""Model-layer guard for fields that can never change once written."""

from django.db import models


class ImmutableFieldError(Exception):
    """Raised when code tries to change a field that is fixed once written."""


class ImmutableFieldsMixin(models.Model):
    """Refuses saves (and queryset updates, via ImmutableFieldsQuerySet) that change `immutable_fields`."""

    immutable_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored = type(self)._base_manager.filter(pk=self.pk).values(*self.immutable_fields).first()
            if stored is not None:
                changed = [name for name in self.immutable_fields if stored[name] != getattr(self, name)]
                if changed:
                    raise ImmutableFieldError(f"{type(self).__name__} fields cannot change: {', '.join(changed)}")
        super().save(*args, **kwargs)


class ImmutableFieldsQuerySet(models.QuerySet):
    def update(self, **kwargs):
        blocked = set(kwargs) & set(self.model.immutable_fields)
        if blocked:
            raise ImmutableFieldError(f"{self.model.__name__} fields cannot change: {', '.join(sorted(blocked))}")
        return super().update(**kwargs)
