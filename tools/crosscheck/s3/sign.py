#!/usr/bin/env python3
"""Signs S3 requests with botocore for the Swift cross-check (Tests/S3Tests).

Usage: sign.py '<json>'   (or sign.py - to read the JSON from stdin)

Input: {"access_key", "secret_key", "region", "timestamp": "YYYYMMDDTHHMMSSZ",
        "cases": [{"kind": "headers", "endpoint", "bucket", "key", "path_style",
                   "method", "headers": {..}, "body_hex"},
                  {"kind": "presign", "endpoint", "bucket", "key", "path_style",
                   "expires", "content_disposition" (optional)}]}
Output: {"results": [{"url", "headers": {lowercase name: value}}, ...]}

botocore builds the URLs itself (its own key quoting, its own virtual-host logic
for presigned URLs), so the comparison covers URL building as well as signing.
The clock is fixed by replacing botocore.auth.get_current_datetime.
"""
import datetime
import json
import sys
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode


def object_url(case):
    """The URL botocore's REST serializer would send to: the key quoted with '/' kept."""
    parts = urlsplit(case["endpoint"])
    key = percent_encode(case["key"], safe="/~")
    if case["path_style"]:
        return urlunsplit((parts.scheme, parts.netloc, f"/{case['bucket']}/{key}", "", ""))
    return urlunsplit((parts.scheme, f"{case['bucket']}.{parts.netloc}", f"/{key}", "", ""))


class PayloadSigningS3Auth(botocore.auth.S3SigV4Auth):
    # Our client always hashes the body it sends; botocore does so on plain HTTP
    # and may send UNSIGNED-PAYLOAD over TLS. Pin the choice so both sides agree.
    def _should_sha256_sign_payload(self, request):
        return True


def sign_headers(credentials, region, case):
    body = bytes.fromhex(case.get("body_hex", ""))
    request = AWSRequest(method=case["method"], url=object_url(case), headers=case.get("headers", {}), data=body)
    PayloadSigningS3Auth(credentials, "s3", region).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    return {"url": request.url, "headers": headers}


def presign(spec, case):
    client = boto3.client(
        "s3",
        endpoint_url=case["endpoint"],
        region_name=spec["region"],
        aws_access_key_id=spec["access_key"],
        aws_secret_access_key=spec["secret_key"],
        config=Config(signature_version="s3v4",
                      s3={"addressing_style": "path" if case["path_style"] else "virtual"}),
    )
    params = {"Bucket": case["bucket"], "Key": case["key"]}
    if case.get("content_disposition"):
        params["ResponseContentDisposition"] = case["content_disposition"]
    url = client.generate_presigned_url("get_object", Params=params, ExpiresIn=case["expires"])
    return {"url": url, "headers": {}}


def main():
    raw = sys.stdin.read() if sys.argv[1] == "-" else sys.argv[1]
    spec = json.loads(raw)
    fixed = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
    botocore.auth.get_current_datetime = lambda: fixed
    credentials = Credentials(spec["access_key"], spec["secret_key"])
    results = []
    for case in spec["cases"]:
        if case["kind"] == "headers":
            results.append(sign_headers(credentials, spec["region"], case))
        else:
            results.append(presign(spec, case))
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
