"""Model-layer guard for fields that can never change once written.

The guard compares with the values the instance was loaded with (or last saved), so a save
costs its UPDATE alone, never a SELECT to re-read the row. Database triggers (audit 0003,
monetization 0005, resources 0005) refuse the same changes from raw SQL and other clients;
this layer gives code a clear ImmutableFieldError first and covers the columns the triggers
leave out (foreign keys, references). Like any instance, one kept across a rolled-back save
is stale: load the row again (inside the transaction, under its lock) before saving it.
"""

from django.db import models


class ImmutableFieldError(Exception):
    """Raised when code tries to change a field that is fixed once written."""


class ImmutableFieldsMixin(models.Model):
    """Refuses saves (and queryset updates, via ImmutableFieldsQuerySet) that change `immutable_fields`.

    `remembered_fields` are further fields whose stored value a subclass's `save` may consult
    through `stored_values` (the status a transition starts from, for instance).
    """

    immutable_fields: tuple[str, ...] = ()
    remembered_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored = self.stored_values(*self.immutable_fields)
            changed = [name for name, value in stored.items() if value != getattr(self, name)]
            if changed:
                raise ImmutableFieldError(f"{type(self).__name__} fields cannot change: {', '.join(changed)}")
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        written = None if update_fields is None else {self._meta.get_field(name).attname for name in update_fields}
        self._remember_stored(keep=True, only=written)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_stored()
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._remember_stored(keep=True)

    def _remember_stored(self, *, keep: bool = False, only: set[str] | None = None) -> None:
        """Note the guarded fields' values as the row now holds them (`only`: the ones written)."""
        names = [name for name in self._guarded_fields() if only is None or name in only]
        loaded = {name: self.__dict__[name] for name in names if name in self.__dict__}
        self._stored = {**getattr(self, "_stored", {}), **loaded} if keep else loaded

    @classmethod
    def _guarded_fields(cls) -> tuple[str, ...]:
        return (*cls.immutable_fields, *cls.remembered_fields)

    def stored_values(self, *names: str) -> dict:
        """The row's values of `names` as last loaded or saved. Only a field that was deferred at
        load and assigned since costs a query; one never loaded nor assigned cannot have changed
        and is left out."""
        stored = getattr(self, "_stored", {})
        unknown = [name for name in names if name not in stored and name in self.__dict__]
        if unknown:
            stored = {**stored, **(type(self)._base_manager.filter(pk=self.pk).values(*unknown).first() or {})}
        return {name: stored[name] for name in names if name in stored}


class ImmutableFieldsQuerySet(models.QuerySet):
    def update(self, **kwargs):
        blocked = set(kwargs) & set(self.model.immutable_fields)
        if blocked:
            raise ImmutableFieldError(f"{self.model.__name__} fields cannot change: {', '.join(sorted(blocked))}")
        return super().update(**kwargs)
