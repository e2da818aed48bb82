#!/usr/bin/env python3
"""A moto S3 server that VERIFIES SigV4 signatures, for the Swift tests.

The shared stack's moto (scripts/stack/s3.sh) accepts any credentials: moto only
checks signatures once INITIAL_NO_AUTH_ACTION_COUNT unauthenticated calls have
been made. This helper spends exactly those calls on an IAM user, its access key
and an allow-s3 policy, then creates the bucket with the new key (a first signed
request), and prints one JSON line:
  {"endpoint": "http://127.0.0.1:PORT", "access_key": ..., "secret_key": ..., "bucket": ...}
It serves until its stdin closes (the test owns its lifetime that way, even if it crashes).
Known limit (moto 5): presigned URLs answer 500 in this mode; presigning is
checked against botocore and the shared moto instead.
"""
import json
import os
import socket
import sys

os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"  # read by moto.settings at import

import boto3  # noqa: E402
from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402

BUCKET = sys.argv[1] if len(sys.argv) > 1 else "livekit-recordings"
ALLOW_S3 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="recording-api")
    key = iam.create_access_key(UserName="recording-api")["AccessKey"]
    iam.put_user_policy(UserName="recording-api", PolicyName="s3", PolicyDocument=json.dumps(ALLOW_S3))
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    s3.create_bucket(Bucket=BUCKET)
    print(json.dumps({"endpoint": endpoint, "access_key": key["AccessKeyId"],
                      "secret_key": key["SecretAccessKey"], "bucket": BUCKET}), flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
