"""``carepath issue-token``: a signed bearer token for development and demos.

Production tokens come from the deployment's identity provider; this command refuses to run
with ``CAREPATH_ENVIRONMENT=production``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.access.keys import BadKey, private_key, token_rules
from services.access.principal import ROLES, SUPERVISOR
from services.access.tokens import TokenRefused, issue_token
from services.cli.common import EXIT_CONFIG, settings_from

EPILOG = """\
examples:
  carepath issue-token --role therapist --subject t-amara
  carepath issue-token --role supervisor --subject s-olu --therapists t-amara,t-bruno
  carepath issue-token --role auditor --subject auditor-rui --minutes 30
  CAREPATH_AUTH_ALGORITHM=EdDSA CAREPATH_AUTH_PUBLIC_KEY=pub.pem \\
    carepath issue-token --role ops --subject ops-kim --private-key key.pem

  curl -H "Authorization: Bearer $(carepath issue-token --role ops --subject me)" \\
       http://127.0.0.1:8000/ops/projections
"""


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser],
               data_dir_option: object) -> None:
    parser = commands.add_parser(
        "issue-token", help="print a signed bearer token (development and demos)",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Sign a JWT with the service's configured issuer, audience and key (in"
                    " development, the secret made in the data directory) and print it.")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--subject", required=True, help="who acts: the token's sub")
    parser.add_argument("--therapists", default="",
                        help="a supervisor's supervised therapists, comma-separated")
    parser.add_argument("--minutes", type=float, default=60.0,
                        help="how long the token is valid (default 60)")
    parser.add_argument("--private-key", type=Path, metavar="FILE",
                        help="PEM private key, for EdDSA, RS256 or ES256")
    data_dir_option(parser)  # type: ignore[operator]
    parser.set_defaults(handler=issue_token_command)


def issue_token_command(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if settings.environment == "production":
        print("carepath: issue-token is for development and demos; production tokens come"
              " from your identity provider", file=sys.stderr)
        return EXIT_CONFIG
    from services.access.demo import signing_key  # noqa: PLC0415

    therapists = [name.strip() for name in args.therapists.split(",") if name.strip()]
    if therapists and args.role != SUPERVISOR:
        print("carepath: --therapists goes with --role supervisor", file=sys.stderr)
        return EXIT_CONFIG
    if not 0 < args.minutes <= 7 * 24 * 60:
        print("carepath: --minutes must be above 0 and at most a week (10080)", file=sys.stderr)
        return EXIT_CONFIG
    try:
        key = signing_key(settings, None if args.private_key is None
                          else private_key(args.private_key))
        token = issue_token(token_rules(settings), key, subject=args.subject, role=args.role,
                            therapists=therapists, lifetime_seconds=args.minutes * 60)
    except (BadKey, TokenRefused) as error:
        print(f"carepath: {error}", file=sys.stderr)
        return EXIT_CONFIG
    print(token)
    return 0
