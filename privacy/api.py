"""REST endpoints for data subject requests, suppression, erasure webhooks and retention
(docs/api.md, "Privacy requests"). Every endpoint needs handle_privacy_requests."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import capability_required
from privacy import selectors, services
from privacy.models import DataSubjectRequest, ErasureWebhookEndpoint, Suppression
from privacy.serializers import (
    EraseSerializer,
    MessageSerializer,
    ReasonSerializer,
    RectifySerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestPatchSerializer,
    RequestSerializer,
    RetentionSerializer,
    SuppressionSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)

TAGS = ["privacy"]
CanHandle = capability_required("handle_privacy_requests")


class Pages(LimitOffsetPagination):
    default_limit = 100
    max_limit = 500


def _actor(request):
    return request.user if getattr(request.user, "pk", None) else None


def _step(call):
    try:
        return call()
    except services.RequestError as error:
        raise ValidationError({"non_field_errors": [str(error)]}) from error


def _request(pk: int) -> DataSubjectRequest:
    return get_object_or_404(DataSubjectRequest, pk=pk)


def _detail(request, obj) -> Response:
    obj = selectors.request_get(obj.pk)
    return Response(RequestDetailSerializer(obj, context={"request": request}).data)


class RequestListView(ListAPIView):
    permission_classes = [CanHandle]
    serializer_class = RequestSerializer
    pagination_class = Pages

    def get_queryset(self):
        params = self.request.query_params
        return selectors.request_list(
            status=params.get("status") or None,
            kind=params.get("kind") or None,
            overdue=params.get("overdue") in ("1", "true"),
        )

    @extend_schema(
        summary="List data subject requests (soonest due first)",
        tags=TAGS,
        parameters=[
            OpenApiParameter(
                "status", str, description="received, verifying, in_progress, completed, rejected or open."
            ),
            OpenApiParameter("kind", str, description="access, portability, erasure, rectification or objection."),
            OpenApiParameter("overdue", bool, description="Only open requests past their due date."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=RequestCreateSerializer,
        responses={201: RequestDetailSerializer},
        summary="Log a request (due one calendar month after receipt)",
        tags=TAGS,
    )
    def post(self, request):
        payload = RequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        obj = _step(lambda: services.request_create(actor=_actor(request), **payload.validated_data))
        response = _detail(request, obj)
        response.status_code = status.HTTP_201_CREATED
        return response


class RequestDetailView(APIView):
    permission_classes = [CanHandle]

    @extend_schema(responses=RequestDetailSerializer, summary="A request with its trail and evidence", tags=TAGS)
    def get(self, request, pk: int):
        return _detail(request, _request(pk))

    @extend_schema(
        request=RequestPatchSerializer,
        responses=RequestDetailSerializer,
        summary="Assign or annotate a request",
        tags=TAGS,
    )
    def patch(self, request, pk: int):
        obj = _request(pk)
        payload = RequestPatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if "assignee" in data:
            assignee = None
            if data["assignee"]:
                assignee = get_user_model().objects.filter(username=data["assignee"]).first()
                if assignee is None:
                    raise ValidationError({"assignee": ["no user with this username"]})
            services.request_assign(request=obj, assignee=assignee, actor=_actor(request))
        if "notes" in data:
            obj.notes = data["notes"]
            obj.save(update_fields=["notes"])
        return _detail(request, obj)


def _action(serializer_class, summary: str, run):
    """A POST endpoint running one service step on a request."""

    class ActionView(APIView):
        permission_classes = [CanHandle]

        @extend_schema(request=serializer_class, responses=RequestDetailSerializer, summary=summary, tags=TAGS)
        def post(self, request, pk: int):
            obj = _request(pk)
            payload = serializer_class(data=request.data)
            payload.is_valid(raise_exception=True)
            _step(lambda: run(obj, _actor(request), payload.validated_data))
            return _detail(request, obj)

    ActionView.__name__ = f"{run.__name__}View"
    return ActionView


def _verify(obj, actor, data):
    return services.request_verify(request=obj, actor=actor, message=data["message"])


def _reject(obj, actor, data):
    return services.request_reject(request=obj, actor=actor, reason=data["reason"])


def _complete(obj, actor, data):
    return services.request_complete(request=obj, actor=actor, message=data["message"])


def _erase(obj, actor, data):
    if not data["confirm"]:
        raise services.RequestError("erasure cannot be undone: send confirm=true")
    return services.request_erase(request=obj, actor=actor)


def _rectify(obj, actor, data):
    return services.request_rectify(request=obj, actor=actor, traits=data["traits"])


def _object(obj, actor, data):
    return services.request_object(request=obj, actor=actor)


VerifyView = _action(MessageSerializer, "Identity verified: start work on the request", _verify)
RejectView = _action(ReasonSerializer, "Reject a request (with the reason given to the requester)", _reject)
CompleteView = _action(MessageSerializer, "Mark a request completed", _complete)
EraseView = _action(EraseSerializer, "Erase the person (cannot be undone; needs confirm=true)", _erase)
RectifyView = _action(RectifySerializer, "Correct the person's traits", _rectify)
ObjectView = _action(MessageSerializer, "Record the person's objection to direct marketing", _object)


class ExportView(APIView):
    permission_classes = [CanHandle]

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="data.json, one CSV per table, README.txt"
            )
        },
        summary="Download the access / portability bundle (zip)",
        tags=TAGS,
    )
    def get(self, request, pk: int):
        name, data = _step(lambda: services.request_export(request=_request(pk), actor=_actor(request)))
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class SuppressionListView(ListAPIView):
    permission_classes = [CanHandle]
    serializer_class = SuppressionSerializer
    pagination_class = Pages

    def get_queryset(self):
        return selectors.suppression_list()

    @extend_schema(summary="List suppression entries (keyed hashes, no personal data)", tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SuppressionLiftView(APIView):
    permission_classes = [CanHandle]

    @extend_schema(request=ReasonSerializer, responses={204: None}, summary="Lift a suppression (audited)", tags=TAGS)
    def post(self, request, pk: int):
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        entry = get_object_or_404(Suppression, pk=pk)
        _step(
            lambda: services.suppression_remove(
                suppression=entry, reason=payload.validated_data["reason"], actor=_actor(request)
            )
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RetentionView(APIView):
    permission_classes = [CanHandle]

    @extend_schema(responses=RetentionSerializer, summary="Event retention policy", tags=TAGS)
    def get(self, request):
        return Response(RetentionSerializer(selectors.retention_get()).data)

    @extend_schema(
        request=RetentionSerializer,
        responses=RetentionSerializer,
        summary="Set the event retention (days; null: forever)",
        tags=TAGS,
    )
    def put(self, request):
        payload = RetentionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        policy = _step(
            lambda: services.retention_set(
                days=payload.validated_data.get("event_retention_days"), actor=_actor(request)
            )
        )
        return Response(RetentionSerializer(policy).data)


class WebhookListView(APIView):
    permission_classes = [CanHandle]

    @extend_schema(responses=WebhookEndpointSerializer(many=True), summary="Erasure webhook endpoints", tags=TAGS)
    def get(self, request):
        return Response(WebhookEndpointSerializer(selectors.webhook_endpoint_list(), many=True).data)

    @extend_schema(
        request=WebhookEndpointSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
        summary="Add an erasure webhook endpoint (the signing secret is shown once)",
        tags=TAGS,
    )
    def post(self, request):
        payload = WebhookEndpointSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        endpoint = _step(
            lambda: services.webhook_endpoint_create(
                name=payload.validated_data["name"], url=payload.validated_data["url"], actor=_actor(request)
            )
        )
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    permission_classes = [CanHandle]

    @extend_schema(responses={204: None}, summary="Remove an erasure webhook endpoint", tags=TAGS)
    def delete(self, request, pk: int):
        services.webhook_endpoint_delete(
            endpoint=get_object_or_404(ErasureWebhookEndpoint, pk=pk), actor=_actor(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
