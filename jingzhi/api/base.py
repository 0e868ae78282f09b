"""Base classes every endpoint derives from.

Token authentication comes first so that an unauthenticated request is answered 401 with
`WWW-Authenticate: Bearer` (DRF takes the challenge from the first authenticator; session authentication
has none, which would turn every 401 into a 403). Every endpoint requires a signed-in user.
"""

import copy

from rest_framework import generics, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from jingzhi.api.authentication import BearerTokenAuthentication

AUTHENTICATION = [BearerTokenAuthentication, SessionAuthentication]


class ApiView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]


class ApiListView(generics.ListAPIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]


class ApiDetailView(generics.RetrieveAPIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAuthenticated]


def flag(value) -> bool:
    """A boolean query parameter: 1/true/yes/on (any case) are true."""
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


class InputSerializer(serializers.Serializer):
    """An input serializer whose fields are copied, not rebuilt, for each instance. DRF deep-copies every
    declared field per instance — each copy runs the field's `__init__` again, building its validators and
    messages — which cost an API intake about as much as its statements (issue 16). A field without
    children (no `child`, not a nested serializer) holds nothing that validation changes, so a shallow copy,
    bound to this instance as DRF binds its deep copy, validates alike; fields with children are still
    deep-copied."""

    def get_fields(self):
        fields = {}
        for name, declared in self._declared_fields.items():
            if isinstance(declared, serializers.BaseSerializer) or hasattr(declared, "child"):
                fields[name] = copy.deepcopy(declared)
            else:
                field = object.__new__(type(declared))
                field.__dict__.update(declared.__dict__)
                fields[name] = field
        return fields


def valid(serializer_class, data):
    """`data` checked by `serializer_class`: its validated data, or the ValidationError every door answers
    as a 400 naming the fields (api.errors)."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


_OUTPUT: dict = {}


def output(serializer_class, data: dict) -> dict:
    """`serializer_class(data).data` through one instance per class, kept for the process: DRF builds an
    output serializer's fields by deep-copying its declared (nested) fields on every instance, which for
    the case detail cost more than the intake's writes (issue 16). For output serializers over plain
    dicts (no context, no per-request state), whose `to_representation` only reads its fields."""
    serializer = _OUTPUT.get(serializer_class)
    if serializer is None:
        serializer = _OUTPUT[serializer_class] = serializer_class()
    return serializer.to_representation(data)
