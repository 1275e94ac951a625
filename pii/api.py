"""REST: the PII classification (read: view_profiles; write: manage_pii) and revealing a
profile's personal data (view_pii; audited)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import capability_required, has_capability
from pii.selectors import classification_list
from pii.serializers import ClassificationSerializer, ClassificationWriteSerializer, RevealSerializer
from pii.services import classification_set, pii_reveal
from profiles.selectors import display_name, profile_identities, profile_resolve

TAGS = ["pii"]


class ClassificationListView(APIView):
    permission_classes = [capability_required("view_profiles")]

    @extend_schema(responses=ClassificationSerializer(many=True), summary="List classified trait keys", tags=TAGS)
    def get(self, request):
        return Response(ClassificationSerializer(classification_list(), many=True).data)

    @extend_schema(
        request=ClassificationWriteSerializer,
        responses={200: ClassificationSerializer},
        summary="Classify a trait key (creates or changes it)",
        tags=TAGS,
    )
    def put(self, request):
        if not has_capability(request.user, "manage_pii"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied("This needs the capability: manage_pii.")
        payload = ClassificationWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = request.user if getattr(request.user, "pk", None) else None
        try:
            row = classification_set(user=user, **payload.validated_data)
        except DjangoValidationError as error:
            raise ValidationError({"key": error.messages}) from error
        return Response(ClassificationSerializer(row).data, status=status.HTTP_200_OK)


class RevealView(APIView):
    permission_classes = [capability_required("view_profiles", "view_pii")]

    @extend_schema(
        request=None,
        responses=RevealSerializer,
        summary="Reveal a profile's personal data (audited)",
        description="Every other endpoint masks PII and sensitive values for everyone; this one returns the "
        "profile's identities and traits unmasked to holders of view_pii, and writes an audit entry.",
        tags=["profiles"],
    )
    def post(self, request, pk: int):
        resolved = profile_resolve(pk)
        if resolved is None:
            raise Http404("No profile with this id.")
        profile = resolved.profile
        pii_reveal(request=request, profile=profile, surface="api")
        identities = profile_identities(profile)
        body = {
            "id": profile.pk,
            "display_name": display_name(profile, identities),
            "identities": identities,
            "traits": profile.traits,
        }
        return Response(RevealSerializer(body).data)
