"""The kinds of findings: what an audit calls them and the prefix of their pseudonyms."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of finding: its name in an audit (``one``/``many``) and pseudonym prefix."""

    one: str
    many: str
    prefix: str


#: Every kind, in the order an audit lists them.
KINDS: dict[str, Kind] = {
    "user": Kind("user id", "user ids", "user"),
    "email": Kind("email address", "email addresses", "email"),
    "ipv4": Kind("IPv4 address", "IPv4 addresses", "ip"),
    "ipv6": Kind("IPv6 address", "IPv6 addresses", "ip"),
    "phone": Kind("phone number", "phone numbers", "phone"),
    "card": Kind("card number", "card numbers", "card"),
    "jwt": Kind("JWT", "JWTs", "jwt"),
    "bearer": Kind("bearer token", "bearer tokens", "token"),
    "url_credentials": Kind("URL credential", "URL credentials", "credentials"),
    "aws_key": Kind("AWS key", "AWS keys", "aws-key"),
    "gcp_key": Kind("GCP key", "GCP keys", "gcp-key"),
    "private_key": Kind("private key", "private keys", "private-key"),
    "secret": Kind("secret value", "secret values", "secret"),  # password=, token=...
    "high_entropy": Kind("high-entropy value in a key position",
                         "high-entropy values in key positions", "secret"),
}
