"""Well-formed credentials of every format wasec knows, generated at test time.

Nothing here is a live credential and nothing secret-shaped is written into the repository: each
value is drawn from a seeded generator when a test asks for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import string

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
URLSAFE = ALNUM + "-_"


class Tokens:
    def __init__(self, seed: int = 7) -> None:
        self.r = random.Random(seed)

    def s(self, n: int, alphabet: str = ALNUM) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def crc_token(self, prefix: str) -> str:
        while True:
            body = self.s(30)
            crc = binascii.crc32(body.encode())
            out = ""
            while crc:
                crc, d = divmod(crc, 62)
                out = B62[d] + out
            if len(out) == 6:
                return prefix + body + out

    def pem(self, kind: str = "RSA PRIVATE KEY", lines: int = 12, width: int = 64) -> list[str]:
        body = base64.b64encode(bytes(self.r.getrandbits(8) for _ in range(lines * width * 3 // 4))).decode()
        return [f"-----BEGIN {kind}-----", *[body[i:i + width] for i in range(0, len(body), width)], f"-----END {kind}-----"]

    def jwt(self, claims: dict | None = None) -> str:
        def enc(o: dict) -> str:
            return base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b"=").decode()
        return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(claims or {'sub': self.s(8), 'iss': 'auth.acme.test'})}.{self.s(43, URLSAFE)}"

    def value(self, kind: str) -> str:
        """One value of a format, by the name the cases use."""
        s = self.s
        return {
            "aws_key_id": lambda: "AKIA" + s(16, string.ascii_uppercase + "234567"),
            "aws_temp_key_id": lambda: "ASIA" + s(16, string.ascii_uppercase + "234567"),
            "aws_secret": lambda: s(19) + "/" + s(9) + "+" + s(10),
            "aws_session_token": lambda: "IQoJb3JpZ2luX2VjE" + s(200, ALNUM + "+/"),
            "github": lambda: self.crc_token("ghp_"),
            "github_oauth": lambda: self.crc_token("gho_"),
            "github_fine": lambda: f"github_pat_11{s(20, string.ascii_uppercase + string.digits)}_{s(59)}",
            "gitlab": lambda: "glpat-" + s(20, URLSAFE),
            "slack_bot": lambda: f"xoxb-{s(11, string.digits)}-{s(12, string.digits)}-{s(24)}",
            "slack_webhook": lambda: f"https://hooks.slack.com/services/T{s(8, string.ascii_uppercase)}/B{s(10, string.ascii_uppercase)}/{s(24)}",
            "stripe": lambda: "sk_live_" + s(24),
            "stripe_webhook": lambda: "whsec_" + s(32),
            "google_api": lambda: "AIza" + s(35, URLSAFE),
            "google_oauth": lambda: "GOCSPX-" + s(28, URLSAFE),
            "jwt": lambda: self.jwt(),
            "sendgrid": lambda: f"SG.{s(22, URLSAFE)}.{s(43, URLSAFE)}",
            "twilio_key": lambda: "SK" + s(32, HEX),
            "mailgun": lambda: "key-" + s(32, HEX),
            "mailchimp": lambda: s(32, HEX) + "-us12",
            "npm": lambda: self.crc_token("npm_"),
            "pypi": lambda: "pypi-AgEIcHlwaS5vcmc" + s(150, URLSAFE),
            "azure_storage": lambda: base64.b64encode(bytes(self.r.getrandbits(8) for _ in range(64))).decode(),
            "azure_client_secret": lambda: f"{s(3)}8Q~{s(34, ALNUM + '_-.')}",
            "telegram": lambda: f"{s(10, string.digits)}:AA{s(33, URLSAFE)}",
            "discord": lambda: f"https://discord.com/api/webhooks/{s(18, string.digits)}/{s(68, URLSAFE)}",
            "shopify": lambda: "shpat_" + s(32, HEX),
            "openai": lambda: f"sk-proj-{s(40, URLSAFE)}T3BlbkFJ{s(40, URLSAFE)}",
            "anthropic": lambda: f"sk-ant-api03-{s(93, URLSAFE)}AA",
            "huggingface": lambda: "hf_" + s(34, string.ascii_letters),
            "digitalocean": lambda: "dop_v1_" + s(64, HEX),
            "vault": lambda: "hvs." + s(95, URLSAFE),
            "terraform_cloud": lambda: f"{s(14)}.atlasv1.{s(67, URLSAFE)}",
            "databricks": lambda: "dapi" + s(32, HEX),
            "postman": lambda: f"PMAK-{s(24, HEX)}-{s(34, HEX)}",
            "dockerhub": lambda: "dckr_pat_" + s(27, URLSAFE),
            "age": lambda: "AGE-SECRET-KEY-1" + s(58, string.ascii_uppercase + string.digits),
            "square": lambda: "sq0atp-" + s(22, URLSAFE),
            "newrelic": lambda: "NRAK-" + s(27, string.ascii_uppercase + string.digits),
            "grafana": lambda: f"glsa_{s(32)}_{s(8, HEX)}",
            "atlassian": lambda: "ATATT3" + s(186, URLSAFE),
            "artifactory": lambda: "AKCp" + s(69),
            "sentry": lambda: "sntryu_" + s(64, HEX),
            "pulumi": lambda: "pul-" + s(40, HEX),
            "doppler": lambda: "dp.pt." + s(43),
            "linear": lambda: "lin_api_" + s(40),
            "password": lambda: s(6, string.ascii_letters) + "!" + s(8) + "#" + s(2, string.digits),
            "hex32": lambda: s(32, HEX),
            "random40": lambda: s(40),
            "db_password": lambda: s(18),
        }[kind]()
