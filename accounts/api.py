"""REST endpoints for accounts: who am I, and API keys."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiKeyPrincipal
from accounts.permissions import capability_required
from accounts.selectors import api_key_list, user_capabilities, user_role_name
from accounts.serializers import ApiKeyCreatedSerializer, ApiKeyCreateSerializer, ApiKeySerializer, MeSerializer
from accounts.services import api_key_create, api_key_revoke


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="Who is calling", tags=["accounts"])
    def get(self, request):
        user = request.user
        if isinstance(user, ApiKeyPrincipal):
            data = {
                "kind": "api_key",
                "name": user.api_key.name,
                "role": user.api_key.role.name,
                "capabilities": sorted(user.capabilities),
            }
        else:
            data = {
                "kind": "user",
                "name": user.get_username(),
                "role": user_role_name(user),
                "capabilities": user_capabilities(user),
            }
        return Response(MeSerializer(data).data)


class ApiKeyListView(APIView):
    permission_classes = [capability_required("manage_api_keys")]

    @extend_schema(responses=ApiKeySerializer(many=True), summary="List API keys", tags=["accounts"])
    def get(self, request):
        return Response(ApiKeySerializer(api_key_list(), many=True).data)

    @extend_schema(
        request=ApiKeyCreateSerializer,
        responses={201: ApiKeyCreatedSerializer},
        summary="Create an API key (the secret is returned once)",
        tags=["accounts"],
    )
    def post(self, request):
        payload = ApiKeyCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created_by = None if isinstance(request.user, ApiKeyPrincipal) else request.user
        try:
            api_key, raw_key = api_key_create(created_by=created_by, **payload.validated_data)
        except ValueError as exc:
            raise ValidationError({"scopes": [str(exc)]}) from exc
        body = ApiKeySerializer(api_key).data | {"key": raw_key}
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyDetailView(APIView):
    permission_classes = [capability_required("manage_api_keys")]

    @extend_schema(responses=ApiKeySerializer, summary="Get an API key", tags=["accounts"])
    def get(self, request, pk: int):
        return Response(ApiKeySerializer(get_object_or_404(api_key_list(), pk=pk)).data)

    @extend_schema(responses=ApiKeySerializer, summary="Revoke an API key", tags=["accounts"])
    def delete(self, request, pk: int):
        api_key = api_key_revoke(api_key=get_object_or_404(api_key_list(), pk=pk))
        return Response(ApiKeySerializer(api_key).data)
