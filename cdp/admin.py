"""Pieces shared by the apps' admin registrations."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For data written only by Shoal's own pipeline: the console shows it, never edits it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
