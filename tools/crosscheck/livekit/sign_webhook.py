"""Signs a webhook body as LiveKit's server signs it, checked with livekit-api's own receiver.

    sign_webhook.py < {"api_key", "api_secret", "body"}   ->   {"authorization"}

LiveKit (livekit/protocol webhook notifier) puts the standard base64 of SHA-256 over
the raw body into the token's `sha256` claim and sends the token as `Authorization`
without a `Bearer ` prefix. livekit-api's WebhookReceiver must accept what we print.
"""

import base64
import datetime
import hashlib
import json
import sys

from livekit.api import AccessToken, TokenVerifier, WebhookReceiver


def main():
    request = json.load(sys.stdin)
    body = request["body"]
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    token = (
        AccessToken(request["api_key"], request["api_secret"])
        .with_sha256(digest)
        .with_ttl(datetime.timedelta(minutes=5))
        .to_jwt()
    )
    WebhookReceiver(TokenVerifier(request["api_key"], request["api_secret"])).receive(body, token)
    print(json.dumps({"authorization": token}))


if __name__ == "__main__":
    main()
