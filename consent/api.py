"""REST endpoints for consent (docs/api.md): a profile's consent, its history, purposes, the
Segment category mapping and the activation check for channels outside Shoal."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import capability_required, has_capability
from consent import selectors, services
from consent.constants import ConsentSource, ConsentState
from consent.models import ConsentCategoryMapping, ProfileConsent
from consent.serializers import (
    ActivationCheckSerializer,
    CategoryMappingSerializer,
    ConsentPutSerializer,
    ConsentRecordSerializer,
    ConsentStateSerializer,
    DecideSerializer,
    DecisionSerializer,
    ObjectionRecordSerializer,
    PurposePatchSerializer,
    PurposeSerializer,
)
from profiles.pagination import KeysetPagination
from profiles.selectors import ResolvedProfile, profile_resolve

TAGS = ["consent"]
ViewProfiles = capability_required("view_profiles")


class HistoryPagination(KeysetPagination):
    field = "occurred_at"


class CheckPagination(KeysetPagination):
    field = "checked_at"


def _require(request, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise PermissionDenied(f"This needs the capability: {capability}.")


def _resolve_or_404(pk: int) -> ResolvedProfile:
    resolved = profile_resolve(pk)
    if resolved is None:
        raise Http404("No profile with this id.")
    return resolved


def _consent_body(resolved: ResolvedProfile) -> dict:
    overview = selectors.consent_overview(resolved.profile, history_limit=0)
    return ConsentStateSerializer(
        {
            "profile_id": resolved.profile.pk,
            "requested_id": resolved.requested_id,
            "objected": overview.objected,
            "objection_since": overview.objection_since,
            "purposes": overview.purposes,
        }
    ).data


def _consent_errors(call):
    try:
        return call()
    except services.ConsentError as error:
        raise ValidationError({"non_field_errors": [str(error)]}) from error


class ProfileConsentView(APIView):
    permission_classes = [ViewProfiles]

    @extend_schema(
        responses=ConsentStateSerializer,
        summary="Get a profile's consent",
        description=(
            "Every purpose with the profile's current state (`null`: nothing recorded), whether it counts as "
            "granted (`granted`: granted and not blocked by an objection to direct marketing) and the objection."
        ),
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(_consent_body(_resolve_or_404(pk)))

    @extend_schema(
        request=ConsentPutSerializer,
        responses=ConsentStateSerializer,
        summary="Record a profile's consent",
        description=(
            "Appends a consent record per purpose given (source `api`) and/or an objection record, with the "
            "evidence (the IP address is stored only as a keyed hash). Segment memberships that depend on the "
            "consent are updated in the same transaction. Needs manage_consent."
        ),
        tags=TAGS,
    )
    def put(self, request, pk: int):
        _require(request, "manage_consent")
        resolved = _resolve_or_404(pk)
        payload = ConsentPutSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        evidence_in = data.get("evidence") or {}
        evidence = services.evidence_build(
            policy_version=evidence_in.get("policy_version", ""),
            collection_point=evidence_in.get("collection_point") or "api",
            ip=evidence_in.get("ip"),
            user_agent=evidence_in.get("user_agent"),
            api_key=getattr(getattr(request, "auth", None), "name", None),
        )
        actor = request.user if getattr(request.user, "pk", None) else None  # None for an API key

        def write():
            if data.get("purposes"):
                states = _states(resolved.profile, data["purposes"])
                services.consent_set(
                    profile=resolved.profile,
                    states=states,
                    source=ConsentSource.API,
                    evidence=evidence,
                    actor=actor,
                    occurred_at=data.get("occurred_at"),
                )
            if "objected" in data:
                services.objection_record(
                    profile=resolved.profile,
                    objected=data["objected"],
                    source=ConsentSource.API,
                    evidence=evidence,
                    actor=actor,
                    occurred_at=data.get("occurred_at"),
                )

        _consent_errors(write)
        return Response(_consent_body(resolved))


def _states(profile, purposes: dict) -> dict[str, str]:
    """Booleans become states: true granted; false withdrawn after a grant, else denied."""
    current = dict(
        ProfileConsent.objects.filter(profile=profile, purpose__slug__in=list(purposes)).values_list(
            "purpose__slug", "state"
        )
    )
    states = {}
    for slug, value in purposes.items():
        if value is True:
            states[slug] = ConsentState.GRANTED
        elif value is False:
            states[slug] = ConsentState.WITHDRAWN if current.get(slug) == ConsentState.GRANTED else ConsentState.DENIED
        else:
            states[slug] = value
    return states


class ProfileConsentHistoryView(APIView):
    permission_classes = [ViewProfiles]
    pagination_class = HistoryPagination

    @extend_schema(
        responses=ConsentRecordSerializer(many=True),
        summary="List a profile's consent records",
        description="Append-only history, newest statement first (`?purpose=` filters). User agents need view_pii.",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        resolved = _resolve_or_404(pk)
        records = selectors.consent_history(resolved.profile, purpose=request.query_params.get("purpose") or None)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(records, request, view=self)
        context = {"view_pii": has_capability(request.user, "view_pii")}
        return paginator.get_paginated_response(ConsentRecordSerializer(page, many=True, context=context).data)


class ProfileObjectionHistoryView(APIView):
    permission_classes = [ViewProfiles]

    @extend_schema(
        responses=ObjectionRecordSerializer(many=True),
        summary="List a profile's objection records",
        description="Objections to direct marketing and their lifting, newest first.",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        resolved = _resolve_or_404(pk)
        overview = selectors.consent_overview(resolved.profile)
        context = {"view_pii": has_capability(request.user, "view_pii")}
        return Response(ObjectionRecordSerializer(overview.objection_history, many=True, context=context).data)


class ProfileActivationChecksView(APIView):
    permission_classes = [ViewProfiles]
    pagination_class = CheckPagination

    @extend_schema(
        responses=ActivationCheckSerializer(many=True),
        summary="List a profile's activation checks",
        description="Every consent check made before activating this person, with the state it used, newest first.",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        resolved = _resolve_or_404(pk)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(selectors.activation_checks(resolved.profile), request, view=self)
        return paginator.get_paginated_response(ActivationCheckSerializer(page, many=True).data)


class PurposeListView(APIView):
    permission_classes = [ViewProfiles]

    @extend_schema(responses=PurposeSerializer(many=True), summary="List consent purposes", tags=TAGS)
    def get(self, request):
        return Response(PurposeSerializer(selectors.purpose_list(), many=True).data)

    @extend_schema(
        request=PurposeSerializer,
        responses={201: PurposeSerializer},
        summary="Create a consent purpose",
        description="Needs manage_consent. The slug is what rules, the API and events use; it cannot change later.",
        tags=TAGS,
    )
    def post(self, request):
        _require(request, "manage_consent")
        payload = PurposeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        purpose = _consent_errors(lambda: services.purpose_create(**payload.validated_data))
        return Response(PurposeSerializer(purpose).data, status=status.HTTP_201_CREATED)


class PurposeDetailView(APIView):
    permission_classes = [ViewProfiles]

    def _purpose(self, slug: str):
        return get_object_or_404(selectors.purpose_list(), slug=slug)

    @extend_schema(responses=PurposeSerializer, summary="Get a consent purpose", tags=TAGS)
    def get(self, request, slug: str):
        return Response(PurposeSerializer(self._purpose(slug)).data)

    @extend_schema(
        request=PurposePatchSerializer,
        responses=PurposeSerializer,
        summary="Change a consent purpose",
        description="Name, description, legal text version, marketing flag. Needs manage_consent.",
        tags=TAGS,
    )
    def patch(self, request, slug: str):
        _require(request, "manage_consent")
        purpose = self._purpose(slug)
        payload = PurposePatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        purpose = _consent_errors(lambda: services.purpose_update(purpose=purpose, **payload.validated_data))
        return Response(PurposeSerializer(purpose).data)

    @extend_schema(
        responses={204: None},
        summary="Delete a consent purpose",
        description="Only a purpose without consent records (400 otherwise). Needs manage_consent.",
        tags=TAGS,
    )
    def delete(self, request, slug: str):
        _require(request, "manage_consent")
        purpose = self._purpose(slug)
        _consent_errors(lambda: services.purpose_delete(purpose=purpose))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CategoryMappingListView(APIView):
    permission_classes = [ViewProfiles]

    @extend_schema(
        responses=CategoryMappingSerializer(many=True),
        summary="List the Segment consent category mapping",
        description="Which purposes each `context.consent.categoryPreferences` category stands for (ignoring case).",
        tags=TAGS,
    )
    def get(self, request):
        return Response(CategoryMappingSerializer(selectors.category_mapping_list(), many=True).data)

    @extend_schema(
        request=CategoryMappingSerializer,
        responses={201: CategoryMappingSerializer},
        summary="Map a Segment consent category to a purpose",
        description="Needs manage_consent.",
        tags=TAGS,
    )
    def post(self, request):
        _require(request, "manage_consent")
        payload = CategoryMappingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        mapping = _consent_errors(
            lambda: services.category_mapping_add(
                category=payload.validated_data["category"], purpose=payload.validated_data["purpose"]
            )
        )
        return Response(CategoryMappingSerializer(mapping).data, status=status.HTTP_201_CREATED)


class CategoryMappingDetailView(APIView):
    permission_classes = [ViewProfiles]

    @extend_schema(
        responses={204: None}, summary="Remove a category mapping", description="Needs manage_consent.", tags=TAGS
    )
    def delete(self, request, pk: int):
        _require(request, "manage_consent")
        services.category_mapping_remove(mapping=get_object_or_404(ConsentCategoryMapping, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DecideView(APIView):
    permission_classes = [capability_required("view_profiles", "manage_campaigns")]

    @extend_schema(
        request=DecideSerializer,
        responses=DecisionSerializer,
        summary="Check consent before an activation",
        description=(
            "For channels outside Shoal: may this person be activated for this purpose now? The same check "
            "Shoal's own channels make (consent.services.activation_decide); the decision and the consent state "
            "it used are recorded. Needs view_profiles and manage_campaigns."
        ),
        tags=TAGS,
    )
    def post(self, request):
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        decision = services.activation_decide(
            profile=data["profile_id"], purpose=data["purpose"], channel=data["channel"], context=data.get("context")
        )
        return Response(DecisionSerializer(decision).data)
