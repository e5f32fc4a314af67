"""JSON-protocol requests parsed, and DynamoDB results serialized, by code compiled once per operation.

moto parses the body of every request of a handler with `automated_parameter_parsing` (DynamoDB's does) by walking
the operation's botocore input shape value by value, and serializes every `ActionResult` by walking the output shape
with a dozen attribute-alias lookups per structure member: about a quarter of moto's CPU for a BatchWriteItem of 25
~1 KB items, and most of it for a BatchGetItem, Query or Scan that returns many items. Here both walks use the
functions of `moto_json_compiler` (same values, same types, same bytes). Anything else, and anything the compiled
code raises on (bad input, an unsupported value), goes to moto's own code, so errors read exactly as moto's:
- parsing: every handler, for requests of the JSON protocol;
- serializing: DynamoDB and DynamoDB Streams results of plain `ActionResult`s (not errors, not paginated results,
  not with PRETTIFY_RESPONSES, not with response transformers). Headers are moto's: Content-Type, then the
  handler's own response headers; CRC32 and request id are added afterwards by moto as before.
Every response body is also searched for an XML <RequestId> to fill in by a look-behind regex tried at each of its
positions (~10 ms for a 1,000-record GetRecords body): a body without "<RequestId>" now skips that search.
DynamoDB's results are also turned into plain values (`dynamo_to_dict`, before serializing) without moto's
isinstance/hasattr tests on every value; an item (GetItem, BatchGetItem, Query, Scan) whose JSON text was kept when
it was written (`moto_item_json`) becomes that text (`Preserialized`), written into the body as it is.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from botocore.model import OperationModel
from moto import settings
from moto.core.common_types import TYPE_RESPONSE
from moto.core.parse import PROTOCOL_PARSERS, JSONParser
from moto.core.request import Request, determine_request_protocol
from moto.core.responses import ActionResult, BaseResponse
from moto.core.serialize import JSONSerializer, get_serializer_class
from moto.core.utils import get_service_model
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.models import utilities as dynamodb_utilities
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler

from local_stack import moto_item_json
from local_stack.moto_json_compiler import Encoder, Parser, Unsupported, compile_input, compile_output, dump_with_texts

_SERIALIZED_HANDLERS = (DynamoHandler, DynamoDBStreamsHandler)
_moto_parse_parameters = BaseResponse.parse_parameters
_moto_serialized = BaseResponse.serialized
_moto_dynamo_to_dict = dynamodb_utilities.dynamo_to_dict
_moto_enrich_response = BaseResponse._enrich_response
_PLAIN = (str, bool, int, float, bytes, type(None))  # moto's dynamo_to_dict returns these as they are


@functools.cache
def _input_parser(operation: OperationModel, map_type: type) -> Parser:
    return compile_input(operation, map_type)


@functools.cache
def _output(operation: OperationModel) -> tuple[Encoder, str, int]:
    """The body encoder, Content-Type and status moto's JSON serializer uses for the operation's results."""
    content_type = JSONSerializer(operation)._get_protocol_specific_content_type()
    return compile_output(operation), content_type, operation.http.get("responseCode", 200)


def _json_operation(handler: BaseResponse, content_type: str | None) -> OperationModel:
    """The handler's operation, if the request is of the JSON protocol (else Unsupported)."""
    service_model = get_service_model(handler.boto3_service_name)
    if determine_request_protocol(service_model, content_type) != "json":
        raise Unsupported
    return service_model.operation_model(handler._get_action())


def _parse_parameters(self: BaseResponse, request: Request) -> None:
    try:
        if PROTOCOL_PARSERS["json"] is not JSONParser:
            raise Unsupported
        params = _input_parser(_json_operation(self, request.content_type), self.PROTOCOL_PARSER_MAP_TYPE)(request.data)
    except Exception:  # noqa: BLE001 - moto's parser decides what an odd request means (and how it fails)
        _moto_parse_parameters(self, request)
        return
    self.params = params


def _serialized(self: BaseResponse, action_result: ActionResult) -> TYPE_RESPONSE:
    result = action_result.result
    if (type(action_result).execute_result is not ActionResult.execute_result or isinstance(result, Exception)
            or settings.PRETTIFY_RESPONSES or self.RESPONSE_KEY_PATH_TO_TRANSFORMER):
        return _moto_serialized(self, action_result)
    try:
        operation = _json_operation(self, self.headers.get("Content-Type", ""))
        if (get_serializer_class(operation.service_model.service_name, "json") is not JSONSerializer
                or operation.has_event_stream_output):
            raise Unsupported
        encode, content_type, status = _output(operation)
        body = dump_with_texts(encode(result))
    except Exception:  # noqa: BLE001 - moto serializes whatever the compiled code does not reproduce
        return _moto_serialized(self, action_result)
    headers = {"Content-Type": content_type}
    headers.update(self.response_headers)
    return status, headers, body


def _dynamo_to_dict(obj: Any) -> Any:
    """moto's dynamo_to_dict (DynamoDB results to plain values before serializing) without its isinstance/hasattr
    tests on every value: DynamoTypes, dicts, item attribute dicts, lists and scalars of exactly those types; the rest
    goes to moto's."""
    kind = type(obj)
    if kind is DynamoType:
        attribute_type, value = obj.type, obj.value
        if attribute_type == "B":
            return {"B": value if isinstance(value, bytes) else base64.b64decode(value)}
        if attribute_type == "BS":
            return {"BS": [v if isinstance(v, bytes) else base64.b64decode(v) for v in value]}
        return {attribute_type: _dynamo_to_dict(value)}
    if kind is dict:
        return {k: _dynamo_to_dict(v) for k, v in obj.items()}
    if kind is LimitedSizeDict:  # an item's attributes (read handlers answer with item.attrs)
        text = moto_item_json.read_image(obj)
        return {k: _dynamo_to_dict(v) for k, v in obj.items()} if text is None else text
    if kind is list:
        return [_dynamo_to_dict(item) for item in obj]
    if kind in _PLAIN:
        return obj
    return _moto_dynamo_to_dict(obj)  # datetimes, models with to_json, subclasses


def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
    """moto's, whose substitution cannot change a text without "<RequestId>" (the headers are still moto's)."""
    if type(body) is str and "<RequestId>" not in body:
        return _moto_enrich_response(headers, "")[0], body
    return _moto_enrich_response(headers, body)


def patch() -> None:
    BaseResponse._enrich_response = staticmethod(_enrich_response)  # type: ignore[method-assign,assignment]
    BaseResponse.parse_parameters = _parse_parameters  # type: ignore[method-assign]
    dynamodb_responses.dynamo_to_dict = dynamodb_utilities.dynamo_to_dict = _dynamo_to_dict
    for handler in _SERIALIZED_HANDLERS:
        handler.serialized = _serialized  # type: ignore[method-assign]


def unpatch() -> None:
    """Back to moto's own parser and serializer (the benchmark and the equality tests compare the two)."""
    BaseResponse._enrich_response = staticmethod(_moto_enrich_response)  # type: ignore[method-assign,assignment]
    BaseResponse.parse_parameters = _moto_parse_parameters  # type: ignore[method-assign]
    dynamodb_responses.dynamo_to_dict = dynamodb_utilities.dynamo_to_dict = _moto_dynamo_to_dict
    for handler in _SERIALIZED_HANDLERS:
        if "serialized" in vars(handler):
            del handler.serialized
