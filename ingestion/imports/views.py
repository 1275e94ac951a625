"""Pages of CSV imports under /sources/imports/: list, upload, mapping, dry run, job progress."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.permissions import CapabilityRequiredMixin
from ingestion.imports.constants import MAX_FILE_BYTES, MAX_ROWS, ImportStatus, Target, TraitType
from ingestion.imports.mapping import MappingError, trait_target
from ingestion.imports.parse import CsvError, delimiter_name
from ingestion.imports.selectors import (
    import_job_columns,
    import_job_get,
    import_job_is_stalled,
    import_job_list,
    import_job_status,
    import_source_choices,
    import_target_choices,
)
from ingestion.imports.services import (
    ImportBlocked,
    import_job_create,
    import_job_discard,
    import_job_request_check,
    import_job_set_mapping,
    import_job_start,
)
from ingestion.models import Source
from profiles.settings import profile_config

LIST_LIMIT = 100


class ImportsPage(CapabilityRequiredMixin):
    required_capabilities = ("manage_sources",)

    def get_job(self):
        job = import_job_get(self.kwargs["pk"])
        if job is None:
            raise Http404("no such import")
        return job


def _sentence(exc: Exception) -> str:
    """A service's message ("the file is empty") as a sentence for a page."""
    text = str(exc)
    return f"{text[:1].upper()}{text[1:]}."


def _job_url(job) -> str:
    """Where a job's page is, given its status."""
    if job.status == ImportStatus.DRAFT:
        return reverse("imports:mapping", args=[job.pk])
    if job.status in (ImportStatus.CHECKING, ImportStatus.VALIDATED):
        return reverse("imports:check", args=[job.pk])
    return reverse("imports:job", args=[job.pk])


class ImportListView(ImportsPage, TemplateView):
    template_name = "ingestion/imports/list.html"

    def get_context_data(self, **kwargs):
        jobs = list(import_job_list()[:LIST_LIMIT])
        for job in jobs:
            job.url = _job_url(job)
        return super().get_context_data(jobs=jobs, **kwargs)


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file")
    source = forms.ChoiceField(label="Source", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = import_source_choices()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is {MAX_FILE_BYTES // 1024 // 1024} MB. "
                "Split it into several files."
            )
        return upload

    def clean_source(self):
        value = self.cleaned_data.get("source")
        if not value:
            return None
        source = Source.objects.filter(pk=value).first()
        if source is None:
            raise forms.ValidationError("Choose a source from the list.")
        return source


class ImportNewView(ImportsPage, FormView):
    template_name = "ingestion/imports/new.html"
    form_class = UploadForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(max_mb=MAX_FILE_BYTES // 1024 // 1024, max_rows=MAX_ROWS, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(
                created_by=self.request.user,
                file_name=upload.name,
                data=upload.read(),
                source=form.cleaned_data["source"],
            )
        except (CsvError, ImportBlocked) as exc:
            form.add_error("file", f"This file cannot be imported: {exc}.")
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("imports:mapping", args=[job.pk]))


def _posted_mapping(post, columns: list[dict]) -> tuple[list[str], dict[int, str]]:
    """Mapping codes from the form (target_N, key_N, type_N), and per-column errors."""
    codes: list[str] = []
    errors: dict[int, str] = {}
    for column in columns:
        position = column["position"]
        choice = post.get(f"target_{position}", Target.SKIP)
        key = post.get(f"key_{position}", "").strip()
        trait_type = post.get(f"type_{position}", TraitType.STRING)
        column.update(choice=choice, key=key, type=trait_type)
        if choice == Target.TRAIT:
            try:
                codes.append(trait_target(key, trait_type).code)
            except MappingError as exc:
                errors[position] = str(exc)
                codes.append(Target.SKIP)
        else:
            codes.append(choice)
    return codes, errors


class ImportMappingView(ImportsPage, TemplateView):
    template_name = "ingestion/imports/mapping.html"

    def get(self, request, *args, **kwargs):
        job = self.get_job()
        if job.status not in ImportStatus.EDITABLE:
            return redirect(_job_url(job))
        columns = import_job_columns(job)
        for column in columns:
            column.update(key=column["target"].key if column["target"].kind == Target.TRAIT else "")
            column.update(type=column["target"].type)
        failure = f"The dry run could not finish: {job.failure}." if job.failure else ""
        return self.render_to_response(self.context(job, columns, failure))

    def post(self, request, *args, **kwargs):
        job = self.get_job()
        if job.status not in ImportStatus.EDITABLE:
            return redirect(_job_url(job))
        columns = import_job_columns(job)
        codes, column_errors = _posted_mapping(request.POST, columns)
        for column in columns:
            column["error"] = column_errors.get(column["position"], "")
        if column_errors:
            return self.render_to_response(self.context(job, columns, "Some columns need attention."), status=400)
        try:
            import_job_set_mapping(job=job, mapping=codes)
            import_job_request_check(job=job)
        except (MappingError, ImportBlocked, CsvError) as exc:
            return self.render_to_response(self.context(job, columns, _sentence(exc)), status=400)
        return HttpResponseRedirect(reverse("imports:check", args=[job.pk]))

    def context(self, job, columns, error: str = "") -> dict:
        return self.get_context_data(
            job=job,
            columns=columns,
            error=error,
            target_choices=import_target_choices(),
            type_choices=TraitType.CHOICES,
            identifier_traits=profile_config().identifier_traits,
            delimiter=delimiter_name(job.delimiter),
        )


class ImportCheckView(ImportsPage, TemplateView):
    """The dry run: its progress while it runs, then its results and the "Import N rows" button."""

    template_name = "ingestion/imports/check.html"

    def get(self, request, *args, **kwargs):
        job = self.get_job()
        if job.status not in (ImportStatus.CHECKING, ImportStatus.VALIDATED):
            return redirect(_job_url(job))
        return self.render_to_response(
            self.get_context_data(
                job=job,
                checking=job.status == ImportStatus.CHECKING,
                stalled=import_job_is_stalled(job),
                new_rows=max(0, job.valid_rows - job.duplicates),
                columns=_mapped(job),
            )
        )

    def post(self, request, *args, **kwargs):
        """Check again (a stalled dry run)."""
        job = self.get_job()
        try:
            import_job_request_check(job=job)
        except (ImportBlocked, MappingError, CsvError) as exc:
            messages.error(request, _sentence(exc))
        return redirect(_job_url(job))


def _mapped(job) -> list[dict]:
    return [c for c in import_job_columns(job, with_samples=False) if c["target"].kind != Target.SKIP]


class ImportStartView(ImportsPage, View):
    def post(self, request, *args, **kwargs):
        job = self.get_job()
        try:
            import_job_start(job=job)
        except ImportBlocked as exc:
            messages.error(request, _sentence(exc))
        return redirect(reverse("imports:job", args=[job.pk]))


class ImportDiscardView(ImportsPage, View):
    def post(self, request, *args, **kwargs):
        job = self.get_job()
        try:
            import_job_discard(job=job)
        except ImportBlocked as exc:
            messages.error(request, _sentence(exc))
            return redirect(_job_url(job))
        messages.success(request, f"The import of {job.file_name} was discarded.")
        return redirect("imports:index")


class ImportJobView(ImportsPage, TemplateView):
    template_name = "ingestion/imports/job.html"

    def get(self, request, *args, **kwargs):
        job = self.get_job()
        if job.status in ImportStatus.EDITABLE:
            return redirect(_job_url(job))
        context = self.get_context_data(
            job=job,
            stalled=import_job_is_stalled(job),
            active=job.status in ImportStatus.ACTIVE,
            columns=_mapped(job),
        )
        return self.render_to_response(context)


class ImportStatusView(ImportsPage, View):
    """JSON polled by the job page."""

    def get(self, request, *args, **kwargs):
        return JsonResponse(import_job_status(self.get_job()))
